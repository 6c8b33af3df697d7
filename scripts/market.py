"""The prediction market, one subcommand per role and phase.

    ape run market create --dataset rt [--test-size 256] [--pieces K] [--bounty 1]
        [--min-stake 0.01] [--min-duration 3600]
        [--reveal-window 86400] [--max-contributions 500]
        [--max-features 64] [--max-contributors 16] [--reward-window SECONDS]
        [--pretrain 200] [--secrets PATH]
    ape run market reveal-init                 # provider: the drawn piece; opens participation
    ape run market contribute --dataset rt [--limit N] [--offset K] [--flip-labels] [--stake E]
    ape run market end                         # anyone, after the minimum duration
    ape run market reveal-samples              # contributor: its samples, within a day of end
    ape run market reveal                      # provider: every other piece, a day after end
    ape run market forfeit                     # anyone, if the provider missed the deadline
    ape run market step [--budget N]           # anyone: one bounded step of the reward pass
    ape run market run-rewards [--budget N]    # anyone: steps until done, with a progress bar
    ape run market expire                      # anyone, if the pass missed its deadline
    ape run market collect                     # withdraw what the market owes you (no expiry)
    ape run market status
    ape run market demo                        # a whole market on a local chain

Every subcommand takes ``--account ALIAS`` (default: test account 0 on local networks) and
``--record PATH`` (default ``deployments/<ecosystem>_<network>_market.json``, written by
``create``).
The provider's secrets go to their own file (mode 0600, never overwritten); keep it until the
last reveal, since losing it forfeits the bounty.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.market.demo import (
    MarketDemoConfig,
    MarketRecord,
    check_participation,
    create_market,
    load_sealed,
    participate_many,
    run_demo,
    save_sealed,
    sealed_beside,
    secrets_beside,
)
from sharedmodels.market.driver import (
    DEFAULT_BUDGET,
    STAGES,
    Terms,
    check,
    phase,
    reveal_first,
    reveal_participation,
    reveal_rest,
    run_rewards,
    send,
)
from sharedmodels.market.report import demo_lines, progress_line, status_lines
from sharedmodels.market.rules import MAX_PIECE, MAX_PIECES, MAX_WORK, default_pieces, load_secrets
from sharedmodels.runs import marketbench
from sharedmodels.units import ether


def _market(record_opt: str | None):
    from ape import project

    record = MarketRecord.read(c.record_path(record_opt, "market"))
    return record, project.PredictionMarket.at(record.address)


pieces_opt = click.option(
    "--pieces",
    type=click.IntRange(2, MAX_PIECES),
    default=None,
    help=f"Test-set pieces (default: enough for {MAX_PIECE} samples a piece, at least 4).",
)


def _check_terms(terms: Terms, test_size: int) -> None:
    """The contract's limits on the worst case, as one line before anything is spent."""
    work = terms.max_work(test_size)
    if work > MAX_WORK:
        raise click.UsageError(
            f"the worst case of these caps is {work:,} work units, more than the contract's "
            f"{MAX_WORK:,}: lower --max-contributions, --max-contributors, --max-features or "
            "--test-size"
        )
    if terms.reward_window and terms.reward_window < terms.min_reward_window(test_size):
        raise click.BadParameter(
            f"at least {terms.min_reward_window(test_size):,} s for these caps",
            param_hint="--reward-window",
        )


def _pieces(test_size: int, pieces: int | None) -> int:
    """``--pieces``, or the fewest pieces of at most MAX_PIECE samples (at least 4)."""
    if pieces is None:
        return default_pieces(test_size)
    if -(-test_size // pieces) > MAX_PIECE:
        raise click.BadParameter(
            f"{test_size} samples in {pieces} pieces: at most {MAX_PIECE} per piece",
            param_hint="--pieces",
        )
    return pieces


record_opt = click.option(
    "--record",
    "record_opt",
    default=None,
    help="Market record (default: deployments/<network>_market.json).",
)
budget_opt = click.option(
    "--budget",
    type=click.IntRange(16, 2**20),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Work units per step (about 2,100 gas each).",
)


@click.group(
    cls=c.Group, short_help="Prediction market: create, contribute, reveal, reward, collect."
)
@c.ape_verbosity
def cli():
    """The prediction market, one subcommand per role and phase."""


_command = c.role_command(cli, record_opt)


@_command("Provider: commit a test set and deploy the market with its bounty.")
@c.dataset_opt
@click.option("--test-size", type=click.IntRange(2, 4096), default=256, show_default=True)
@pieces_opt
@click.option("--bounty", default="1", show_default=True, help="ETH.")
@click.option("--min-stake", default="0.01", show_default=True, help="ETH.")
@click.option(
    "--min-duration", type=click.IntRange(3600, 30 * 86400), default=3600, show_default=True
)
@click.option(
    "--reveal-window", type=click.IntRange(3600, 30 * 86400), default=86400, show_default=True
)
@click.option(
    "--max-contributions",
    type=click.IntRange(1, 65535),
    default=Terms.max_contributions,
    show_default=True,
)
@click.option(
    "--max-features",
    type=click.IntRange(1, 512),
    default=Terms.max_features,
    show_default=True,
    help="Most features one contribution or test sample may carry.",
)
@click.option(
    "--max-contributors",
    type=click.IntRange(1, 65534),
    default=Terms.max_contributors,
    show_default=True,
    help="Most contributing addresses (a market has at most this many reward passes + 1).",
)
@click.option(
    "--reward-window",
    type=click.IntRange(0, 30 * 86400),
    default=0,
    help="Seconds for the reward pass after the last reveal before it may expire "
    "(default: enough for the worst case, at least a week).",
)
@click.option(
    "--pretrain",
    type=click.IntRange(0),
    default=200,
    show_default=True,
    help="Samples from the start of the dataset for the initial model.",
)
@click.option(
    "--secrets",
    "secrets_opt",
    default=None,
    help="Where to keep the provider's secrets (default: deployments/, timestamped).",
)
def create(
    network,
    dataset,
    test_size,
    pieces,
    bounty,
    min_stake,
    min_duration,
    reveal_window,
    max_contributions,
    max_features,
    max_contributors,
    reward_window,
    pretrain,
    secrets_opt,
    account_alias,
    record_opt,
):
    """Provider: draw a test set from the end of the dataset, commit to it in pieces (salted
    hashes), save the secrets to a file of the provider's own, and deploy the market with its
    bounty and terms, pre-trained on samples from the start of the dataset. A deployment that
    would fail is refused before anything is sent or written."""
    from ape import chain, project

    pieces = _pieces(test_size, pieces)
    terms = Terms(
        min_stake=c.amount(min_stake),
        min_duration=min_duration,
        reveal_window=reveal_window,
        max_contributions=max_contributions,
        max_features=max_features,
        max_contributors=max_contributors,
        reward_window=reward_window,
    )
    _check_terms(terms, test_size)
    provider = c.resolve_account(account_alias)
    record_path = c.record_path(record_opt, "market")
    secrets = Path(secrets_opt) if secrets_opt else secrets_beside(record_path, time.time())
    secrets.parent.mkdir(parents=True, exist_ok=True)
    record_path.parent.mkdir(parents=True, exist_ok=True)
    created = create_market(
        project.PredictionMarket,
        provider,
        dataset,
        test_size=test_size,
        pieces=pieces,
        bounty=c.amount(bounty),
        terms=terms,
        secrets_path=secrets,
        network=chain.provider.network.choice,
        pretrain_n=pretrain,
    )
    record_path.write_text(created.record.to_json())
    m = created.contract
    click.echo(f"market     {m.address} (record {record_path})")
    click.echo(f"bounty     {ether(int(m.bounty()))}; test set {test_size} in {pieces} pieces")
    click.echo(
        f"worst case {int(m.max_work()):,} work units (about {int(m.max_work()) * 2100:,} gas) "
        f"to finish; an unfinished pass may expire {int(m.reward_window()):,} s after the "
        "last reveal"
    )
    click.echo(f"secrets    {secrets} (mode 0600: keep it until the last reveal)")
    click.echo(f"next       `ape run market reveal-init` after block {m.seed_block()}")


@_command("Provider: reveal the randomly drawn piece; opens participation.")
def reveal_init(network, account_alias, record_opt):
    """Provider: reveal the piece drawn from the seed block's hash; this opens participation. The
    seed block is mined first on an automining dev chain, and waited for on any other."""
    from ape import chain

    from sharedmodels.rpc.mining import advance_blocks

    record, m = _market(record_opt)
    provider = c.resolve_account(account_alias)
    if chain.blocks.head.number < int(m.seed_block()):
        advance_blocks(chain.provider, int(m.seed_block()) - chain.blocks.head.number)
    i = reveal_first(m, provider, load_secrets(Path(record.secrets)), chain)
    click.echo(
        f"revealed piece {i} of {m.n_pieces()} ({m.revealed_samples()} of {m.test_size()} "
        "samples); participation is open"
    )


@_command("Contributor: stake on labelled samples.")
@c.dataset_opt
@c.limit_opt
@c.offset_opt
@click.option("--flip-labels", is_flag=True, help="Send the wrong label (a bad contributor).")
@click.option("--stake", default=None, help="ETH per sample (default: the minimum).")
@c.quiet_opt
def contribute(
    network, dataset, limit, offset, flip_labels, stake, quiet, account_alias, record_opt
):
    """Contributor: stake on labelled samples, each committed (a hash naming this account, with
    the stake), one transaction a sample (--stake ETH per sample; default the market's minimum).
    The samples stay sealed until participation ends: their salts are kept in a file beside the
    record, and `reveal-samples` reveals them after `end`. Checked first: in the wrong phase, or
    with a sample the market would refuse, nothing is sent."""
    record, m = _market(record_opt)
    account = c.resolve_account(account_alias)
    data = c.dataset_samples(dataset, record.encoder_obj(), limit=limit, offset=offset)
    wei = c.amount(stake) if stake else int(m.min_stake())
    labels = [1 - y if flip_labels else y for y in data.labels]
    # Checked before the progress bar: a refusal is one `error:` line and nothing sent.
    check_participation(m, account, data.rows, labels=labels, stake=wei, first_index=offset)
    sealed = sealed_beside(c.record_path(record_opt, "market"), str(account.address))
    with c.progress_bar(len(data), "contributing", quiet) as bar:
        sent = participate_many(
            m,
            account,
            data.rows,
            labels=labels,
            stake=wei,
            first_index=offset,
            checked=True,
            on_each=lambda: bar.update(1),
        )
    save_sealed(sealed, sent)
    gas = sorted(int(p.commit.gas_used) for p in sent)
    click.echo(
        f"{len(gas)} contributions from {account.address}, {ether(wei)} each "
        f"(plus a {ether(int(m.slot_fee()))} slot fee, never returned); "
        f"commit gas median {gas[len(gas) // 2] if gas else 0:,}; sealed in {sealed}: "
        "reveal-samples after the end"
    )


@_command("Contributor: reveal your sealed samples, after the end.", name="reveal-samples")
def reveal_samples(network, account_alias, record_opt):
    """Contributor: reveal the samples `contribute` committed, once participation has ended and
    within the market's sample window (a day). A commitment left sealed after it is skipped
    and its stake stays locked. Checked first: before the end nothing is sent."""
    _, m = _market(record_opt)
    account = c.resolve_account(account_alias)
    sealed = sealed_beside(c.record_path(record_opt, "market"), str(account.address))
    pending = load_sealed(sealed, m, account)
    for i, p in enumerate(pending):
        reveal_participation(m, p, checked=i == 0)
    click.echo(f"revealed {len(pending)} samples from {account.address}")


@_command("Anyone: close participation.")
def end(network, account_alias, record_opt):
    """Anyone: close participation once the minimum duration has passed since it opened
    (however many have contributed); the provider then has the reveal window to reveal the
    rest of the test set once the contributors' sample window (a day) is over. Commitments not
    revealed in that window are skipped, their stakes kept."""
    _, m = _market(record_opt)
    send(m.end, sender=c.resolve_account(account_alias))
    click.echo(f"phase {phase(m)}; reveal deadline {m.reveal_deadline()}")


@_command("Provider: reveal every remaining piece.")
def reveal(network, account_alias, record_opt):
    """Provider: after participation ends, reveal every remaining piece of the test set; the last
    reveal starts the reward pass."""
    record, m = _market(record_opt)
    gas = reveal_rest(m, c.resolve_account(account_alias), load_secrets(Path(record.secrets)))
    click.echo(
        f"revealed {len(gas)} pieces (gas {', '.join(f'{g:,}' for g in gas)}); "
        f"test set {m.test_size()}; phase {phase(m)}"
    )


@_command("Anyone: forfeit the bounty of a provider that missed the reveal deadline.")
def forfeit(network, account_alias, record_opt):
    _, m = _market(record_opt)
    send(m.forfeit, sender=c.resolve_account(account_alias))
    click.echo(
        "forfeited: the bounty stays locked in the market; every contributor withdraws its "
        "stakes (collect)"
    )


@_command("Anyone: end a reward pass that missed its deadline; stakes and bounty go back.")
def expire(network, account_alias, record_opt):
    _, m = _market(record_opt)
    send(m.expire, sender=c.resolve_account(account_alias))
    click.echo(
        "expired: contributors withdraw their revealed stakes (collect); the bounty stays locked"
    )


def _announce_step(m, budget: int, sender, max_fee: int | None) -> None:
    """A step's estimated gas and fee (printed when above a million gas or under a cap), and
    the cap's refusal. Call after ``check``: a step that would revert is refused there."""
    from sharedmodels.rpc.fees import call_of

    c.fee_guard(max_fee, "step", calls=[call_of(m.step, budget)], sender=sender)


@_command("Anyone: one bounded step of the reward pass.")
@budget_opt
@c.max_fee_opt
def step(network, budget, max_fee, account_alias, record_opt):
    """Anyone: one step of the reward pass, bounded by --budget work units (about 2,100 gas
    each). Its estimated gas and fee are printed first when above a million gas; --max-fee
    refuses a dearer one."""
    _, m = _market(record_opt)
    sender = c.resolve_account(account_alias)
    check(m.step, budget, sender=sender)  # the wrong phase or sender: one line, nothing sent
    _announce_step(m, budget, sender, max_fee)
    receipt = send(m.step, budget, sender=sender)
    click.echo(f"{progress_line(m)}; gas {int(receipt.gas_used):,}")


@_command("Anyone: step until the reward pass is done.", name="run-rewards")
@budget_opt
@c.max_fee_opt
@c.quiet_opt
def run_rewards_cmd(network, budget, max_fee, quiet, account_alias, record_opt):
    """Anyone: step the reward pass until it is done, with a progress bar. The first step's
    estimated gas and fee are printed when above a million gas; --max-fee refuses to start
    when that step's fee is above it."""
    _, m = _market(record_opt)
    sender = c.resolve_account(account_alias)
    check(m.step, budget, sender=sender)  # the wrong phase: one line before any progress bar
    _announce_step(m, budget, sender, max_fee)
    n = int(m.n_contributions())
    with c.progress_bar(n, "pass 1", quiet) as bar:
        bar.unit = "contribution"

        def on_step(p):
            bar.set_description(f"pass {p.epoch} {STAGES[p.stage]}")
            bar.n = min(int(p.cursor), n) if p.stage < STAGES.index("scan") else n
            bar.refresh()

        log = run_rewards(m, sender, budget, on_step)
    click.echo(f"done in {len(log.gas)} steps; heaviest {log.heaviest:,} gas")


@_command("Withdraw your balance (it never expires).")
def collect(network, account_alias, record_opt):
    """Withdraw what the market owes you once it is done or expired. A balance stays yours
    until you withdraw it: nobody else can take it."""
    _, m = _market(record_opt)
    account = c.resolve_account(account_alias)
    owed = int(m.owed(account))
    send(m.withdraw, sender=account)
    click.echo(f"withdrew {ether(owed)} to {account.address}")


@_command("Phase, deadlines, balances, reward progress and conservation.")
def status(network, account_alias, record_opt):
    """The market's phase, deadlines, bounty, pieces revealed, contributions and each
    contributor's stake and balance, reward-pass progress, and the conservation check
    (everything paid in is held or withdrawn, to the wei)."""
    from ape import chain

    record, m = _market(record_opt)
    for line in status_lines(m, record, chain):
        click.echo(line)


@_command("A whole market on a local chain: honest and label-flipping contributors.")
@click.option("--dataset", default="rt", show_default=True)
@click.option("--test-size", type=click.IntRange(8, 4096), default=256, show_default=True)
@pieces_opt
@click.option("--pretrain", type=click.IntRange(0), default=4000, show_default=True)
@click.option("--honest", type=click.IntRange(1), default=40, show_default=True)
@click.option("--flippers", type=click.IntRange(0, 8), default=2, show_default=True)
@click.option("--flipper-samples", type=click.IntRange(1), default=15, show_default=True)
@click.option("--bounty", default="20", show_default=True, help="ETH.")
@click.option("--stake", default="0.01", show_default=True, help="ETH per contribution.")
@budget_opt
@c.quiet_opt
def demo(
    network,
    dataset,
    test_size,
    pieces,
    pretrain,
    honest,
    flippers,
    flipper_samples,
    bounty,
    stake,
    budget,
    quiet,
    account_alias,
    record_opt,
):
    """A whole market on a local chain: the provider commits a test set, honest and label-flipping
    contributors stake, the pieces are revealed, the reward pass runs, and everyone withdraws;
    prints accuracy, payouts and the conservation check."""
    from ape import accounts, chain

    if not (chain.provider.network.is_local or chain.provider.network.is_fork):
        raise click.ClickException("the demo moves time: run it on a local or fork network")
    pieces = _pieces(test_size, pieces)
    provider = accounts.test_accounts[0]
    honest_acct = accounts.test_accounts[1]
    flipper_accts = [accounts.test_accounts[2 + j] for j in range(flippers)]
    config = MarketDemoConfig(
        dataset=dataset,
        test_size=test_size,
        pieces=pieces,
        pretrain=pretrain,
        honest=honest,
        flippers=flippers,
        flipper_samples=flipper_samples,
        bounty=c.amount(bounty),
        stake=c.amount(stake),
        budget=budget,
    )
    say = (lambda _: None) if quiet else (lambda msg: click.echo(msg, err=True))
    with tempfile.TemporaryDirectory() as tmp:
        r = run_demo(
            config,
            provider,
            honest_acct,
            flippers=flipper_accts,
            secrets_path=Path(tmp) / "secrets.json",
            log=say,
        )
    for line in demo_lines(r, config):
        click.echo(line)


@_command("Gas of a whole market against test-set size and contribution count (make bench).")
@click.option(
    "--out",
    default=None,
    help="Write the figures here (make bench: bench/market_gas.json) and rewrite the market "
    "table in --benchmarks. Default: print only.",
)
@click.option(
    "--benchmarks",
    default="BENCHMARKS.md",
    show_default=True,
    help="Markdown file whose market table --out rewrites (skipped when absent).",
)
@click.option("--sizes", default="64,128,256", show_default=True, help="Test-set sizes.")
@click.option("--counts", default="12,24,48", show_default=True, help="Contribution counts.")
@budget_opt
def bench(network, out, benchmarks, sizes, counts, budget, account_alias, record_opt):
    """Runs the demo's market (rt, 4,000 pre-training samples, a third of the contributions
    from two label flippers) once per test-set size at the middle count and once per count at
    the middle size, and writes every transaction's gas."""
    from ape import accounts, chain

    if not chain.provider.network.is_local:
        raise click.ClickException("the benchmark moves time: run it on a local network")
    rows = marketbench.measure(
        chain,
        accounts.test_accounts[:4],
        marketbench.sizes_of(sizes, "--sizes", least=8),
        counts=marketbench.sizes_of(counts, "--counts", least=6),
        budget=budget,
        say=lambda row: click.echo(marketbench.row_line(row)),
    )
    if out is None:
        click.echo("not saved: pass --out PATH to write the figures and the market table")
        return
    for path in marketbench.save(rows, Path(out), Path(benchmarks)):
        click.echo(f"written: {path}")
