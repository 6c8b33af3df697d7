"""A model deployed on an upstream chain is usable, unchanged, from Ape on a fork of it.

The upstream is a second Anvil (chain id 1) on the loopback port ape-config.yaml names for
`node: ethereum: mainnet`; Ape then connects to `ethereum:mainnet-fork:foundry`, which starts a
forking Anvil of its own.
"""

import random
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from eth_abi import decode, encode
from eth_utils import keccak

from sharedmodels.chain import encoder_descriptor
from sharedmodels.fastpath import RPC, Pipeline
from sharedmodels.features import Encoder

ROOT = Path(__file__).resolve().parents[1]
N = 1000


UPSTREAM_URI: list[str] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def upstream():
    from ape import config

    uri = config.get_config("node").ethereum.mainnet["uri"]
    port = urlparse(uri).port
    UPSTREAM_URI[:] = [uri]
    if not _port_free(port):
        pytest.fail(
            f"port {port} for the upstream Anvil is taken; free it or change "
            "node.ethereum.mainnet.uri in ape-config.yaml"
        )
    proc = subprocess.Popen(
        [str(ROOT / "bin" / "anvil"), "--port", str(port), "--chain-id", "1", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        rpc = RPC(uri)
        for _ in range(100):
            try:
                rpc.call("eth_chainId", [])
                break
            except Exception:
                time.sleep(0.1)
        yield rpc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
    selector = keccak(text="update(uint32[],uint8)")[:4]
    pipe.send_batch(
        [
            pipe.sign(address, selector + encode(["uint32[]", "uint8"], [r, y]))
            for r, y in zip(rows, labels, strict=True)
        ]
    )
    probe = [sorted(rnd.sample(range(N), 8)) for _ in range(20)]
    upstream_preds = [
        _call(upstream, address, "predict(uint32[])", ["uint32[]"], [r]) for r in probe
    ]
    upstream_intercept = _call(upstream, address, "intercept()", out="int256")
    upstream_updates = _call(upstream, address, "update_count()")
    assert upstream_updates > 0 and len(set(upstream_preds)) == 2

    # Ape on the fork: same code, same state, same predictions; and it can keep training.
    # The test session's own Anvil holds the default port, so the fork gets a free one.
    fork_host = f"http://127.0.0.1:{_free_port()}"
    with networks.parse_network_choice(
        "ethereum:mainnet-fork:foundry", provider_settings={"host": fork_host}
    ) as provider:
        assert provider.uri == fork_host and provider.fork_url == UPSTREAM_URI[0]
        assert provider.chain_id == 1
        model = container.at(address)
        assert [model.predict(r) for r in probe] == upstream_preds
        assert model.intercept() == upstream_intercept
        assert model.update_count() == upstream_updates
        model.update(probe[0], 1 - upstream_preds[0], sender=owner)
        assert model.update_count() == upstream_updates + 1

    # What happened on the fork stays on the fork.
    assert _call(upstream, address, "update_count()") == upstream_updates
