"""The demo's last line says whether its numbers bear out its story (issue 28, item 11: a run
whose model lost accuracy and whose honest contributor lost deposits read as a success)."""

from dataclasses import replace

import pytest

from sharedmodels.runs.demo import TrainerDemoResult, result_line
from sharedmodels.trainers.parity import ParityResult

GOOD = TrainerDemoResult(
    accuracy_before=0.55,
    accuracy_after=0.757,
    parity=ParityResult(agree=449, total=449),
    replayed=90,
    balances={"honest": 155 * 10**16, "flipper": -293 * 10**16, "owner": 10**17},
    gas={},
    states={},
    added={"honest": 56, "flipper": 34},
    wei_ok=True,
    majority=0.12,
)


def test_a_model_that_learned():
    assert result_line(GOOD) == (
        "result: the model learned from the contributions (55.0% -> 75.7%); the honest "
        "contributor gained, the flipper lost its deposits; parity exact"
    )


@pytest.mark.parametrize(
    "after,says",
    [
        (0.56, "learned"),  # one point up: learned
        (0.5599, "held"),  # just short of a point: held
        (0.55, "held"),
        (0.54, "held"),  # one point down: still held
        (0.5399, "NOT"),  # more than a point down
    ],
)
def test_one_point_either_way(after, says):
    line = result_line(replace(GOOD, accuracy_after=after))
    assert line.startswith(
        {
            "learned": "result: the model learned",
            "held": "result: accuracy held",
            "NOT": "result: NOT as expected: accuracy fell more than a point",
        }[says]
    )


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"balances": {"honest": 0, "flipper": -1}}, "the honest contributor did not gain"),
        ({"balances": {"honest": 1, "flipper": 0}}, "the flipper did not lose"),
        ({"majority": 0.757}, "the model is no better than the commoner class"),
        ({"parity": ParityResult(agree=448, total=449)}, "differs from the reference"),
        ({"parity": ParityResult(agree=1, total=1, mismatches=["w0"])}, "differs from the ref"),
        ({"wei_ok": False}, "the wei check failed"),
    ],
)
def test_each_failure_is_named(change, reason):
    line = result_line(replace(GOOD, **change))
    assert line.startswith("result: NOT as expected: ") and reason in line, line
    assert line.count(";") == 0  # only that one


def test_several_failures_are_all_named():
    line = result_line(replace(GOOD, accuracy_after=0.4, balances={"honest": -1, "flipper": 1}))
    assert line == (
        "result: NOT as expected: the honest contributor did not gain; the flipper did not lose; "
        "accuracy fell more than a point (55.0% -> 40.0%)"
    )
