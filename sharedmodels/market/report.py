"""What ``ape run market ...`` prints about a market: the reward pass's progress, the status
page and the demo's summary, as lines of text (the script only echoes them)."""

from __future__ import annotations

from typing import Any

from sharedmodels.market.demo import DemoResult, MarketDemoConfig, MarketRecord
from sharedmodels.market.driver import STAGES, conservation, contributor_list, first_piece, phase
from sharedmodels.market.rules import MarketError
from sharedmodels.units import ETH, ether


def progress_line(contract: Any) -> str:
    """Where the reward pass stands (pass, stage, cursor, work), or the phase outside it."""
    if phase(contract) != "reward":
        return f"phase {phase(contract)}"
    p = contract.progress()
    where = f"contribution {p.cursor}/{contract.n_contributions()}"
    if p.stage in (STAGES.index("scan"), STAGES.index("apply")):
        where = f"contributor {p.cursor}/{contract.n_contributors()}"
    elif p.stage in (STAGES.index("evaluate"), STAGES.index("initial accuracy")):
        where += f", test sample {p.test_cursor}/{contract.test_size()}"
    where += f"; work {int(p.work):,}/{int(contract.max_work()):,}"
    return f"pass {p.epoch}, {STAGES[p.stage]}: {where}"


def status_lines(contract: Any, record: MarketRecord, chain: Any) -> list[str]:
    """The market's phase, deadlines, bounty, pieces revealed, each contributor's stake and
    balance, the pass's progress and the conservation check."""
    m = contract
    out = [
        f"market      {m.address} on {record.network} ({record.dataset})",
        f"phase       {phase(m)}; {progress_line(m)}",
        f"bounty      {ether(int(m.bounty()))}; pieces revealed "
        f"{m.pieces_revealed()}/{m.n_pieces()}; test set {m.test_size()}",
    ]
    if phase(m) == "committed":
        try:
            out.append(f"first piece {first_piece(m, chain)} (drawn from block {m.seed_block()})")
        except MarketError as exc:
            out.append(f"first piece not drawn yet: {exc}")
    out.append(
        f"contributions {m.n_contributions()} from {m.n_contributors()} contributors; "
        f"stakes {ether(int(m.total_stake()))}"
    )
    for who in contributor_list(m):
        a = m.accounts(who)
        flags = (" dropped" if a.dropped else "") + (" paid" if a.paid else "")
        out.append(
            f"  {who}  stake {ether(int(a.stake))}  balance {ether(int(a.balance))}  "
            f"owed {ether(int(m.owed(who)))}{flags}"
        )
    if phase(m) == "reward":
        out.append(
            f"work        {int(m.progress().work):,} of at most {int(m.max_work()):,} units; "
            f"the pass may expire after {m.reward_deadline()}"
        )
    if phase(m) in ("done", "expired"):
        out.append(f"provider    {ether(int(m.provider_balance()))} to withdraw")
    ok, figures = conservation(m, chain)
    out.append(
        f"conservation: {'ok' if ok else 'BROKEN'} "
        f"(in {ether(figures['bounty'] + figures['stakes'] + figures['fees'])}, held "
        f"{ether(figures['held'])} of which work fund {ether(figures['work_fund'])}, withdrawn "
        f"{ether(figures['withdrawn'])})"
    )
    return out


def demo_lines(r: DemoResult, config: MarketDemoConfig) -> list[str]:
    """The demo's summary: accuracy before and after, the passes, each actor's stakes and
    payouts (and the provider's), the mirror and the conservation check."""
    out = [
        "",
        f"== prediction market on {config.dataset}: bounty {ether(config.bounty)}, "
        f"test set {r.test_size} in {config.pieces} pieces (piece {r.first_piece} first) ==",
        f"accuracy     initial model {100 * r.initial_correct / r.test_size:.1f}% -> "
        f"after the market {100 * r.final_correct / r.test_size:.1f}% "
        f"(on the revealed test set)",
        "rounds       the payout unit: one round moves each contributor's balance by its score "
        "(wei, + or -);",
        "             the bounty buys bounty // test-set size rounds, hence their large counts",
    ]
    for epoch, rounds, negative, active in r.passes:
        kind = "negative scores" if negative else "no negative score: rest paid"
        out.append(f"pass {epoch}       {rounds:,} rounds ({kind}); contributors left in: {active}")
    out += [
        f"dropped      {', '.join(r.dropped) or 'nobody'}",
        f"reward pass  {len(r.steps)} steps, heaviest {max(r.steps):,} gas (budget "
        f"{config.budget} work units a step, about 2,100 gas each: --budget)",
        "",
        f"{'':<10}{'samples':>8}{'staked ETH':>14}{'paid out ETH':>16}{'net ETH':>14}",
    ]
    for a in r.actors:
        net = r.paid[a.name] - a.staked
        out.append(
            f"{a.name:<10}{a.samples:>8}{a.staked / ETH:>14.6f}"
            f"{r.paid[a.name] / ETH:>16.6f}{net / ETH:>+14.6f}"
        )
    out.append(
        f"{'provider':<10}{'':>8}{config.bounty / ETH:>14.6f}{r.provider_back / ETH:>16.6f}"
        f"{(r.provider_back - config.bounty) / ETH:>+14.6f}"
    )
    f = r.figures
    out += [
        "",
        f"mirror       {'identical' if r.mirror_ok else 'DIFFERENT'} balances "
        "(the Python replay of the reward pass)",
        f"conservation: {'ok' if r.conservation_ok else 'BROKEN'} "
        f"(bounty + stakes + slot fees {f['bounty'] + f['stakes'] + f['fees']:,} wei = "
        f"withdrawn {f['withdrawn']:,} wei + held {f['held']:,} wei, the work fund)",
    ]
    return out
