"""The federated task's agreement rule exactly at its boundaries.

An update is paid for a round when it points the same way as the aggregate change g:
u . g > 0 and cos(u, g) >= min_agreement / 1000, which the contract checks without roots as
(1000 u.g)**2 >= min_agreement**2 |u|**2 |g|**2. Honest updates from random data never land on
the boundary, so a contract with ``>`` instead of ``>=`` (or ``>= 0`` instead of ``> 0``) would
pass every other test. Here the updates are chosen so that the cosines are exact:
(3, 4) against (1, 0) is 0.6 to the last digit, and the zero update has u . g = 0.

Four participants, FedAvg with equal weights: A = (3k, 4k), B = (3k, -4k), C = (4m - 6k, 0),
D = 0 on the first two coordinates (all others 0), so g = (m, 0): A and B at cosine exactly
0.6, C at 1, D at u . g = 0.
"""

from dataclasses import replace

import pytest
from federated_helpers import FEDAVG, POOL, open_task

K = 10**8
M = 35 * 10**7
TERMS = replace(FEDAVG, min_participants=4, rounds=1)


def updates() -> list[list[int]]:
    zeros = [0] * (TERMS.n_params - 2)
    return [
        [3 * K, 4 * K, *zeros],
        [3 * K, -4 * K, *zeros],
        [4 * M - 6 * K, 0, *zeros],
        [0, 0, *zeros],
    ]


@pytest.mark.parametrize(
    "min_agreement,paid",
    [
        (600, "ABC"),  # exactly at A's and B's cosine: paid
        (601, "C"),  # one thousandth above it: not paid
        (0, "ABC"),  # any positive u . g; the zero update (u . g = 0) is never paid
    ],
)
def test_agreement_at_the_exact_cosine(project, chain, accounts, owner, min_agreement, paid):
    terms = replace(TERMS, min_agreement=min_agreement)
    people = [accounts[i] for i in range(1, 5)]
    task = open_task(project, chain, owner, terms)
    for p in people:
        task.join(p)
    result = task.round(people, updates(), owner)  # checks balances against the mirror
    assert result.change[:2] == [M, 0] and not any(result.change[2:])
    want = [str(p.address) for p, name in zip(people, "ABCD", strict=True) if name in paid]
    assert sorted(result.accepted) == sorted(want)
    each = POOL // len(want)  # one round: all of the pool, which the paid split evenly
    assert each * len(want) == POOL
    for p, name in zip(people, "ABCD", strict=True):
        assert int(task.contract.participants(p.address).earned) == (each if name in paid else 0)
