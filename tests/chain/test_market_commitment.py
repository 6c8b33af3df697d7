"""The market's commitment in Python (``sharedmodels.market.rules.commitment``) equals the hash
Vyper computes over a ``DynArray[Sample, N]`` (``tests/contracts/Checker.vy``)."""

from conftest import compile_test_contract

from sharedmodels.market.rules import commit_test_set

ROWS = [[1, 5, 9], [2], [], [3, 4], [7, 8, 100], [0, 2**32 - 1]]
LABELS = [1, 0, 1, 1, 0, 1]


def test_commitment_matches_vyper(owner, chain):
    checker = compile_test_contract("Checker").deploy(sender=owner)
    market = "0x" + "ab" * 20
    secrets = commit_test_set(ROWS, LABELS, 2, market=market, chain_id=chain.chain_id)
    for salt, piece, commit in zip(secrets.salts, secrets.pieces, secrets.commitments, strict=True):
        got = checker.commitment(market, salt, [(list(x), y) for x, y in piece])
        assert bytes(got) == commit
