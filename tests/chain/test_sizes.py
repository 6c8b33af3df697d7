"""Every deployable contract's runtime code stays below EIP-170's limit (24,576 bytes, above
which a deployment fails) with a margin, so that a fix adding a few checks never finds the
limit at deployment time. The deployables are the hand-written top-level files of
``contracts/`` and the generated ones of ``contracts/generated/``; modules, interfaces and
templates are not deployed alone."""

from pathlib import Path

import pytest

#: EIP-170: the largest runtime code a contract may have.
EIP170 = 24_576
#: Room kept free under the limit for the next fix (about twenty revert reasons' worth).
MARGIN = 500
CONTRACTS = Path(__file__).parents[2] / "contracts"
DEPLOYABLES = sorted(p.stem for d in (CONTRACTS, CONTRACTS / "generated") for p in d.glob("*.vy"))


def runtime_size(project, name: str) -> int:
    code = getattr(project, name).contract_type.runtime_bytecode.bytecode
    return len(bytes.fromhex(code.removeprefix("0x")))


def test_every_deployable_is_found():
    assert {
        "ModelBounty",
        "FederatedTask",
        "PredictionMarket",
        "PerceptronStake",
        "ModelHub",
        "HubPool",
    } <= set(DEPLOYABLES)
    assert len(DEPLOYABLES) == len(set(DEPLOYABLES))  # one contract name, one file


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_runtime_below_eip170_with_a_margin(project, name):
    size = runtime_size(project, name)
    assert 0 < size <= EIP170 - MARGIN, f"{name}: {size:,} bytes (limit {EIP170 - MARGIN:,})"
