"""Every deployable contract's code as deployed stays below EIP-170's limit (24,576 bytes, above
which a deployment fails) with a margin, so that a fix adding a few checks never finds the
limit at deployment time. The deployables are the hand-written top-level files of
``contracts/`` and the generated ones of ``contracts/generated/``; modules, interfaces and
templates are not deployed alone. Deployed code is the runtime bytecode plus the immutables
Vyper appends to it at deployment (32 bytes each for a value type), read from the compiler's
code layout: the runtime alone once passed here while the deployment failed."""

from functools import cache
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


def _lengths(layout) -> int:
    """The bytes a code layout (the compiler's, nested by module) gives its immutables."""
    if not isinstance(layout, dict):
        return 0
    if isinstance(layout.get("length"), int) and "offset" in layout:
        return layout["length"]
    return sum(_lengths(v) for v in layout.values())


@cache
def immutables() -> dict[str, int]:
    """Each deployable's immutables section, in bytes."""
    from vyper.cli.vyper_compile import compile_files

    files = [p for d in (CONTRACTS, CONTRACTS / "generated") for p in sorted(d.glob("*.vy"))]
    out = compile_files(files, ("layout",), paths=[CONTRACTS, CONTRACTS.parent])
    return {Path(str(k)).stem: _lengths(v["layout"].get("code_layout", {})) for k, v in out.items()}


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


def test_the_immutables_are_counted():
    """PredictionMarket keeps sixteen value-type immutables (its terms and model settings),
    ModelBounty thirteen; a sparse Perceptron three."""
    sizes = immutables()
    assert set(sizes) == set(DEPLOYABLES)
    assert (sizes["PredictionMarket"], sizes["ModelBounty"], sizes["SparsePerceptron"]) == (
        16 * 32,
        13 * 32,
        3 * 32,
    )


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_deployed_code_below_eip170_with_a_margin(project, name):
    size = runtime_size(project, name) + immutables()[name]
    assert 0 < size <= EIP170 - MARGIN, f"{name}: {size:,} bytes (limit {EIP170 - MARGIN:,})"


def test_the_deployed_code_is_what_the_size_check_counts(chain, project, accounts):
    """The check's arithmetic against a real deployment: a sparse Perceptron's code on chain is
    its runtime plus its three immutables."""
    model = project.SparsePerceptron.deploy(1024, 1, "neg", "pos", "{}", sender=accounts[0])
    on_chain = len(chain.provider.get_code(model.address))
    assert on_chain == runtime_size(project, "SparsePerceptron") + immutables()["SparsePerceptron"]
