"""The prediction market end to end: the pieces ``ape run market ...`` is made of, and its demo.

A market's record (``MarketRecord``) sits in ``deployments/<ecosystem>_<network>_market.json``:
the contract address, the path of the provider's secrets file, and how samples are encoded. The
secrets file itself is the provider's (mode 0600) and is only read for reveals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sharedmodels.encoding.encoded import Encoded, encode_dataset
from sharedmodels.encoding.features import Encoder
from sharedmodels.market.driver import (
    DEFAULT_BUDGET,
    Participation,
    Terms,
    check,
    check_sample,
    conservation,
    deploy_market,
    participate,
    reveal_all,
    reveal_first,
    reveal_rest,
    run_rewards,
    test_samples,
    window_over,
)
from sharedmodels.market.rules import (
    Contribution,
    MarketError,
    commit_test_set,
    load_secrets,
    reward_pass,
    save_secrets,
)
from sharedmodels.mirrors.perceptron import pretrain
from sharedmodels.rpc.deployments import deployment_gas, encoder_descriptor, encoder_from_descriptor
from sharedmodels.rpc.mining import advance_blocks, move_clock
from sharedmodels.rpc.reads import create_address
from sharedmodels.units import ETH


@dataclass(kw_only=True)
class MarketRecord:
    """What the scripts need to find and drive a market again."""

    address: str
    network: str
    secrets: str
    encoder: str
    dataset: str
    eta: int = 1

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def read(cls, path: Path) -> MarketRecord:
        if not Path(path).is_file():
            raise MarketError(f"no market record at {path}; run `ape run market create` first")
        try:
            return cls(**json.loads(Path(path).read_text()))
        except (ValueError, TypeError) as exc:
            raise MarketError(f"{path} is not a market record: {exc}") from None

    def encoder_obj(self) -> Encoder:
        return encoder_from_descriptor(self.encoder)


@dataclass
class Created:
    contract: Any
    record: MarketRecord
    weights: dict[int, int]
    intercept: int


def create_market(
    container: Any,
    provider: Any,
    dataset: str,
    *,
    test_size: int,
    pieces: int,
    bounty: int,
    terms: Terms,
    secrets_path: Path,
    network: str,
    pretrain_n: int = 0,
    n_features: int = 2**20,
    eta: int = 1,
) -> Created:
    """Take the test set from the end of ``dataset`` (and pre-training samples from its start),
    commit it in ``pieces``, save the secrets, deploy with the bounty, upload the initial model."""
    encoder = Encoder(n_features=n_features)
    data = encode_dataset(dataset, encoder)
    if pretrain_n + test_size > len(data):
        raise MarketError(
            f"{dataset} has {len(data)} samples, fewer than {pretrain_n} + {test_size} asked for"
        )
    n = len(data)
    from ape import chain

    nonce = int(provider.nonce)
    secrets = commit_test_set(
        data.rows[n - test_size :],
        data.labels[n - test_size :],
        pieces,
        n_features=n_features,
        market=create_address(str(provider.address), nonce),
        chain_id=int(chain.chain_id),
    )
    ref = pretrain(data.rows[:pretrain_n], data.labels[:pretrain_n], n_features, eta)
    weights, intercept = ref.nonzero_weights(), ref.intercept_units()
    # The secrets go to disk before anything is sent (a market whose secrets were lost forfeits
    # its bounty) and are removed again if the deployment fails without creating the contract.
    save_secrets(secrets, secrets_path)
    try:
        contract = deploy_market(
            container,
            provider,
            secrets,
            bounty=bounty,
            terms=terms,
            encoder=encoder,
            eta=eta,
            weights=weights,
            intercept=intercept,
        )
    except BaseException as exc:
        _discard_unless_created(secrets_path, str(provider.address), nonce, exc)
        raise
    record = MarketRecord(
        address=str(contract.address),
        network=network,
        secrets=str(secrets_path),
        encoder=encoder_descriptor(encoder),
        dataset=dataset,
        eta=eta,
    )
    return Created(contract, record, weights, intercept)


def _discard_unless_created(
    secrets_path: Path, sender: str, nonce: int, exc: BaseException
) -> None:
    """After a failed deployment: remove the secrets file if no contract exists where the
    deployment (``sender``'s transaction of ``nonce``) would have created it. If the node
    cannot tell, keep the file and say so (the market may exist; its secrets must not go)."""
    from ape import chain

    address = create_address(sender, nonce)
    try:
        created = bool(chain.provider.get_code(address))
    except Exception:
        raise MarketError(
            f"{_one_line(exc)}; kept {secrets_path}: the node could not say whether a market "
            f"was created at {address} (delete the file if none was)"
        ) from exc
    if not created:
        Path(secrets_path).unlink(missing_ok=True)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def pool_slice(dataset: str, encoder: Encoder, pretrain_n: int, test_size: int) -> Encoded:
    """The samples a contributor may send: neither pre-training nor test data."""
    data = encode_dataset(dataset, encoder)
    n = len(data)
    return Encoded(data.rows[pretrain_n : n - test_size], data.labels[pretrain_n : n - test_size])


def check_participation(
    contract: Any,
    account: Any,
    rows: Sequence[Sequence[int]],
    *,
    labels: Sequence[int],
    stake: int,
    first_index: int = 0,
) -> None:
    """Check every sample (the market's feature cap and its own checks, then a dry run of the
    first commit) before anything is sent: in the wrong phase, or with a sample the market
    would refuse, ``MarketError`` and nothing sent. ``first_index``: the dataset index of
    ``rows[0]``, for the refusal's message."""
    cap = int(contract.max_features())
    too_long = [j for j, x in enumerate(rows) if len(x) > cap]
    if too_long:
        raise MarketError(
            f"{len(too_long)} samples have more than this market's {cap} features "
            f"(the first: sample {first_index + too_long[0]})"
        )
    for x, y in zip(rows, labels, strict=True):
        check_sample(contract, x, y)
    check(contract.commit, b"\0" * 32, sender=account, value=stake + int(contract.slot_fee()))


def participate_many(
    contract: Any,
    account: Any,
    rows: Sequence[Sequence[int]],
    *,
    labels: Sequence[int],
    stake: int,
    first_index: int = 0,
    checked: bool = False,
    on_each: Callable[[], None] | None = None,
) -> list[Participation]:
    """Commit to each sample (one transaction a sample), after ``check_participation``
    unless ``checked``. The samples stay sealed: keep what this returns (``save_sealed``)
    and reveal it after ``end`` (``reveal_all``)."""
    if not checked:
        check_participation(
            contract, account, rows, labels=labels, stake=stake, first_index=first_index
        )
    sent = []
    for x, y in zip(rows, labels, strict=True):
        sent.append(participate(contract, account, x, y=y, stake=stake, checked=False))
        if on_each:
            on_each()
    return sent


def sealed_beside(record_path: Path, address: str) -> Path:
    """Where ``contribute`` keeps a contributor's salts until it reveals: beside the record,
    named by the contributor."""
    return record_path.with_name(f"{record_path.stem}_sealed_{address.lower()}.json")


def save_sealed(path: Path, sent: Sequence[Participation]) -> None:
    """Add commitments to the contributor's file of salts (mode 0600: anyone holding a salt
    and the sample can see what was committed before the end)."""
    rows = json.loads(path.read_text()) if path.exists() else []
    rows += [{"id": p.id, "salt": p.salt.hex(), "x": list(p.x), "y": p.y} for p in sent]
    path.touch(mode=0o600)
    path.write_text(json.dumps(rows, indent=1))


def load_sealed(path: Path, contract: Any, account: Any) -> list[Participation]:
    """The commitments of ``path`` that ``contract`` has not seen revealed yet."""
    if not path.exists():
        raise MarketError(f"no sealed samples at {path}: contribute first")
    out = []
    for row in json.loads(path.read_text()):
        _, sample = contract.contribution(int(row["id"]))
        if int(sample.y) == 2:  # still sealed
            salt = bytes.fromhex(row["salt"])
            out.append(
                Participation(
                    int(row["id"]), salt, None, None, account, tuple(row["x"]), int(row["y"])
                )
            )
    return out


def secrets_beside(record_path: Path, now: float) -> Path:
    """Where ``create`` keeps the provider's secrets unless told: beside the record, named by
    the time (so that a second market never overwrites the first one's)."""
    return record_path.with_name(f"{record_path.stem}_secrets_{int(now)}.json")


# ---------------------------------------------------------------- demo


@dataclass(kw_only=True)
class MarketDemoConfig:
    dataset: str = "rt"
    test_size: int = 256
    pieces: int = 16
    pretrain: int = 4000
    honest: int = 40
    flippers: int = 2
    flipper_samples: int = 15
    bounty: int = 20 * ETH
    stake: int = ETH // 100
    budget: int = DEFAULT_BUDGET


@dataclass(kw_only=True)
class Actor:
    name: str
    account: Any
    staked: int = 0
    samples: int = 0
    start: int = 0
    gas: int = 0


@dataclass(kw_only=True)
class DemoResult:
    contract: Any
    actors: list[Actor]
    balances: dict[str, int]
    paid: dict[str, int]
    provider_back: int
    conservation_ok: bool
    figures: dict[str, int]
    mirror_ok: bool
    passes: list[tuple[int, int, bool, int]]
    dropped: list[str]
    initial_correct: int
    final_correct: int
    test_size: int
    steps: list[int]
    first_piece: int
    gas: dict[str, list[int]] = field(default_factory=dict)


def run_demo(
    config: MarketDemoConfig,
    provider: Any,
    honest: Any,
    *,
    flippers: list[Any],
    secrets_path: Path,
    log: Callable[[str], None] = lambda _: None,
    on_step: Callable[[Any], None] | None = None,
) -> DemoResult:
    from ape import chain, project

    terms = Terms(
        min_stake=config.stake,
        min_duration=3600,
        reveal_window=86400,
        max_contributions=max(100, config.honest + config.flippers * config.flipper_samples),
        max_contributors=8,
    )
    created = create_market(
        project.PredictionMarket,
        provider,
        config.dataset,
        test_size=config.test_size,
        pieces=config.pieces,
        bounty=config.bounty,
        terms=terms,
        secrets_path=secrets_path,
        network=chain.provider.network.choice,
        pretrain_n=config.pretrain,
    )
    m = created.contract
    log(
        f"created the market at {m.address}: bounty {config.bounty / ETH:g} ETH, test set "
        f"of {config.test_size} in {config.pieces} pieces, initial model pre-trained on "
        f"{config.pretrain}"
    )
    advance_blocks(chain.provider, 3)  # waited for where the node mines by itself
    secrets = load_secrets(secrets_path)
    i = reveal_first(m, provider, secrets, chain)
    log(f"revealed piece {i} (drawn from block {m.seed_block()}); participation is open")

    pool = pool_slice(
        config.dataset, created.record.encoder_obj(), config.pretrain, config.test_size
    )
    need = config.honest + config.flippers * config.flipper_samples
    if need > len(pool):
        raise MarketError(f"{config.dataset} has {len(pool)} spare samples, {need} needed")
    actors = [Actor(name="honest", account=honest)] + [
        Actor(name=f"flipper{j + 1}", account=a) for j, a in enumerate(flippers)
    ]
    for a in actors:
        a.start = int(a.account.balance)
    # Interleave: the honest contributor and each flipper take turns in the replay order.
    queue: list[tuple[Actor, list[int], int]] = []
    rows, labels = pool.rows, pool.labels
    cursor = 0
    honest_items = []
    for _ in range(config.honest):
        honest_items.append((actors[0], rows[cursor], labels[cursor]))
        cursor += 1
    flipper_items: list[list] = [[] for _ in flippers]
    for j in range(len(flippers)):
        for _ in range(config.flipper_samples):
            flipper_items[j].append((actors[j + 1], rows[cursor], 1 - labels[cursor]))
            cursor += 1
    lanes = [honest_items, *flipper_items]
    while any(lanes):
        for lane in lanes:
            if lane:
                queue.append(lane.pop(0))
    gas: dict[str, list[int]] = {"deploy": [deployment_gas(m)], "participate": []}
    sealed = []
    for actor, x, y in queue:
        sealed.append(participate(m, actor.account, x, y=y, stake=config.stake, checked=False))
        actor.staked += config.stake
        actor.samples += 1
    log(f"{len(queue)} contributions staked ({config.stake / ETH:g} ETH each), still sealed")

    chain.pending_timestamp = int(m.open_time()) + terms.min_duration
    m.end(sender=honest)
    reveal_all(m, sealed)  # no sample is public before the end
    for (actor, _, _), sent in zip(queue, sealed, strict=True):
        actor.gas += sent.gas
        gas["participate"].append(sent.gas)
    log("participation ended; every contributor revealed its samples")
    if chain.pending_timestamp < window_over(m):  # mined: the reveal's dry run sees the time
        move_clock(chain.provider, window_over(m), "the market demo", mined=True)
    gas["reveal"] = reveal_rest(m, provider, secrets)
    log(f"the sample window is over; the provider revealed the other {len(gas['reveal'])} pieces")
    steps = run_rewards(m, honest, config.budget, on_step)
    log(f"reward pass done in {len(steps.gas)} steps")

    # The mirror replays what this script sent (not what the contract says it got): the
    # bounty, every contribution in order, the pieces in the order they were revealed.
    order = [i] + [j for j in range(len(secrets.pieces)) if j != i]
    want = reward_pass(
        config.bounty,
        [s for j in order for s in secrets.pieces[j]],
        [Contribution(str(a.account.address), tuple(x), y, config.stake) for a, x, y in queue],
        n_features=created.record.encoder_obj().n_features,
        eta=created.record.eta,
        initial_weights=created.weights,
        initial_intercept=created.intercept,
        slot_fee=int(m.slot_fee()),
    )
    balances = {a.name: int(m.accounts(a.account).balance) for a in actors}
    mirror_ok = {
        a.name: want.balances.get(str(a.account.address)) for a in actors
    } == balances and int(m.provider_balance()) == want.provider
    test = test_samples(m)
    final_correct = sum(int(m.predict(list(x))) == y for x, y in test)
    paid = {}
    gas["withdraw"] = []
    for a in actors:
        before = int(a.account.balance)
        receipt = m.withdraw(sender=a.account)
        paid[a.name] = int(a.account.balance) - before + int(receipt.total_fees_paid)
        gas["withdraw"].append(int(receipt.gas_used))
    provider_back = 0
    if int(m.provider_balance()) > 0:
        before = int(provider.balance)
        receipt = m.withdraw(sender=provider)
        provider_back = int(provider.balance) - before + int(receipt.total_fees_paid)
    ok, figures = conservation(m, chain)
    # And by the wallets: what came back to them is what was sent in, to the wei.
    # What stays in the contract is the work fund (the slot fees and the charges, less the
    # gas it paid the keeper: none on a chain without a base fee).
    fees = int(m.slot_fee()) * int(m.n_contributions())
    sent_in = config.bounty + sum(a.staked for a in actors) + fees
    held = int(chain.provider.get_balance(m.address))
    ok = ok and held == int(m.work_fund())
    # The keeper's gas, paid during the steps: what the contract paid out beyond withdrawals.
    keeper_paid = int(m.withdrawn()) - sum(paid.values()) - provider_back
    ok = ok and keeper_paid >= 0
    ok = ok and sum(paid.values()) + provider_back + keeper_paid + held == sent_in
    settled = [
        (int(e.epoch), int(e.rounds), bool(e.negative), int(e.active)) for e in m.PassSettled
    ]
    dropped = [
        next(a.name for a in actors if str(a.account.address) == str(e.contributor))
        for e in m.Dropped
    ]
    return DemoResult(
        contract=m,
        actors=actors,
        balances=balances,
        paid=paid,
        provider_back=provider_back,
        conservation_ok=ok,
        figures=figures,
        mirror_ok=mirror_ok,
        passes=settled,
        dropped=dropped,
        initial_correct=want.initial_correct,
        final_correct=final_correct,
        test_size=len(test),
        steps=steps.gas,
        first_piece=i,
        gas=gas,
    )
