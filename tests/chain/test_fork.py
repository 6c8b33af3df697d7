"""A model deployed on an upstream chain is usable, unchanged, from Ape on a fork of it.

The upstream is a second Anvil (chain id 1) that the test starts on a free loopback port; Ape
then connects to `ethereum:mainnet-fork:foundry` with that URI as the fork's upstream (an ad hoc
provider setting, so ape-config.yaml's `node: ethereum: mainnet: uri`, the manual flow's
upstream, is not used and no fixed port can be taken), and ape-foundry starts a forking Anvil
of its own, on another free port.
"""

import contextlib
import os
import random

import pytest
from anvil_helpers import free_port, own_anvil
from eth_abi import decode, encode
from eth_utils import keccak

from sharedmodels.encoding.features import Encoder
from sharedmodels.encoding.packed import pack
from sharedmodels.rpc.deployments import encoder_descriptor
from sharedmodels.rpc.fastpath import Pipeline
from sharedmodels.rpc.reads import RPC

N = 1000


@pytest.fixture(scope="module")
def upstream():
    with own_anvil("--chain-id", "1") as rpc:
        yield rpc


@contextlib.contextmanager
def fork_of(networks, upstream_uri: str):
    """Ape connected to a fork of ``upstream_uri`` (a provider for the block's duration).

    The upstream is named in the provider's ad hoc settings, which ape-foundry copies into the
    ``mainnet-fork`` network's config: restored afterwards. ``APE_FOUNDRY_HOST`` (which makes
    ape-foundry connect to the session's node instead of starting one) is set aside meanwhile.
    """
    fork_config = networks.ethereum.mainnet_fork.config
    before = fork_config.get("upstream_provider")
    host = os.environ.pop("APE_FOUNDRY_HOST", None)
    settings = {
        "host": f"http://127.0.0.1:{free_port()}",
        "fork": {"ethereum": {"mainnet": {"upstream_provider": upstream_uri}}},
    }
    try:
        with networks.parse_network_choice(
            "ethereum:mainnet-fork:foundry", provider_settings=settings
        ) as provider:
            assert provider.uri == settings["host"]
            yield provider
    finally:
        fork_config.upstream_provider = before
        if host is not None:
            os.environ["APE_FOUNDRY_HOST"] = host


def _call(rpc: RPC, address: str, signature: str, types=(), args=(), out="uint256") -> int:
    data = keccak(text=signature)[:4] + (encode(list(types), list(args)) if types else b"")
    raw = rpc.call("eth_call", [{"to": address, "data": "0x" + data.hex()}, "latest"])
    return decode([out], bytes.fromhex(raw[2:]))[0]


def test_fork_sees_upstream_model(upstream, container, owner, networks):
    # Deploy and train on the upstream chain with raw signed transactions (no Ape there).
    pipe = Pipeline(owner, rpc=upstream)
    args = (N, 1, "neg", "pos", encoder_descriptor(Encoder(n_features=N)))
    bytecode = bytes.fromhex(container.contract_type.deployment_bytecode.bytecode[2:])
    address = pipe.deploy(bytecode + bytes(container.constructor.encode_input(*args)))
    rnd = random.Random(3)
    rows = [sorted(rnd.sample(range(N), 8)) for _ in range(60)]
    labels = [rnd.randint(0, 1) for _ in rows]
    # The sparse Perceptron takes packed words (sharedmodels.encoding.packed).
    selector = keccak(text="update(uint256[],uint8)")[:4]
    pipe.send_batch(
        [
            pipe.sign(address, selector + encode(["uint256[]", "uint8"], [pack(r, N), y]))
            for r, y in zip(rows, labels, strict=True)
        ]
    )
    probe = [sorted(rnd.sample(range(N), 8)) for _ in range(20)]
    upstream_preds = [
        _call(upstream, address, "predict(uint256[])", ["uint256[]"], [pack(r, N)]) for r in probe
    ]
    upstream_intercept = _call(upstream, address, "intercept()", out="int256")
    upstream_updates = _call(upstream, address, "update_count()")
    assert upstream_updates > 0 and len(set(upstream_preds)) == 2

    # Ape on the fork: same code, same state, same predictions; and it can keep training.
    with fork_of(networks, upstream.url) as provider:
        assert provider.fork_url == upstream.url
        assert provider.chain_id == 1
        model = container.at(address)
        assert [model.predict(r) for r in probe] == upstream_preds
        assert model.intercept() == upstream_intercept
        assert model.update_count() == upstream_updates
        model.update(probe[0], 1 - upstream_preds[0], sender=owner)
        assert model.update_count() == upstream_updates + 1

    # What happened on the fork stays on the fork.
    assert _call(upstream, address, "update_count()") == upstream_updates
