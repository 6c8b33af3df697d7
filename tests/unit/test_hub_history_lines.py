"""The accuracy history as `ape run hub history` and the demo print it."""

from sharedmodels.hub.demo import history_lines
from sharedmodels.hub.driver import AccuracyRecord


def record(evaluation: int, correct: int, pins: int) -> AccuracyRecord:
    return AccuracyRecord(
        evaluation=evaluation,
        test_set_hash="0x" + "00" * 32,
        samples=8,
        correct=correct,
        block=100 + evaluation,
        time=0,
        contributions=3,
        evaluator="0xE",
        pins=pins,
    )


def test_a_record_pinned_more_than_once_is_marked_as_paying_no_pool():
    (line,) = history_lines({"perceptron": [record(1, 4, 1), record(2, 8, 2)]})
    assert line == (
        "perceptron: #1 block 101: 4/8 (50.0%)  "
        "#2 block 102: 8/8 (100.0%) [pinned 2 times: pays no pool]"
    )
