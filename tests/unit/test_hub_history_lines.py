"""The accuracy history as `ape run hub history` and the demo print it."""

from sharedmodels.hub.demo import history_lines
from sharedmodels.hub.driver import AccuracyRecord


def record(evaluation: int, correct: int, pins: int) -> AccuracyRecord:
    return AccuracyRecord(
        evaluation, "0x" + "00" * 32, 8, correct, 100 + evaluation, 0, 3, "0xE", pins
    )


def test_a_record_pinned_more_than_once_is_marked_as_paying_no_pool():
    (line,) = history_lines({"perceptron": [record(1, 4, 1), record(2, 8, 2)]})
    assert line == (
        "perceptron: #1 block 101: 4/8 (50.0%)  "
        "#2 block 102: 8/8 (100.0%) [pinned 2 times: pays no pool]"
    )
