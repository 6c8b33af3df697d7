"""What ``ape run bounty ...`` prints about a bounty: its status page and the demo's summary,
as lines of text (the script only echoes them)."""

from __future__ import annotations

from typing import Any

from sharedmodels.bounty.demo import BountyDemoResult
from sharedmodels.bounty.driver import conservation, group_split, phase, winner
from sharedmodels.bounty.models import KIND_NAMES
from sharedmodels.units import ether


def status_lines(contract: Any, chain: Any) -> list[str]:
    """Phase, prize, terms, groups, deadlines, each submission and its score, the winner once
    settled, and the conservation check."""
    b = contract
    out = [
        f"bounty     {b.address}: {phase(b)}; prize {ether(int(b.prize()))}",
        f"terms      stake at least {ether(int(b.min_stake()))}; scoring fee "
        f"{int(b.scoring_fee()) / 10**9:g} gwei a work unit (at most {ether(int(b.max_fee()))})",
    ]
    if b.drawn():
        train_g, test_g = group_split(int(b.test_mask()), int(b.n_groups()))
        out.append(f"groups     training {train_g}, test {test_g}")
    if int(b.open_time()):
        out.append(
            f"deadlines  submit {b.submit_deadline()}, upload {b.upload_deadline()}, "
            f"reveal {b.reveal_deadline()}, score {b.score_deadline()} "
            f"(now {chain.blocks.head.timestamp})"
        )
    t = int(b.test_size())
    for i in range(int(b.n_submissions())):
        s = b.submissions(i)
        score = f"{int(s.correct)}/{t} fee {ether(int(s.fee))}" if s.scored else f"{int(s.t)}/{t}"
        out.append(
            f"  #{i} {str(s.submitter)[:10]} {KIND_NAMES[int(s.kind)]:<10} stake "
            f"{ether(int(s.stake))} {'sealed' if s.sealed else 'unsealed'} score {score}"
        )
    if phase(b) in ("done", "forfeited"):
        out.append(f"winner     {winner(b)}")
    ok, figures = conservation(b, chain)
    out.append(f"conservation: {'ok' if ok else 'BROKEN'} {figures}")
    return out


def demo_lines(r: BountyDemoResult) -> list[str]:
    """The demo's summary: each submission's accuracy on chain, in the integer mirror and in
    floating point, the winner, the gas, the keeper's fees, the payouts and the conservation."""
    out = [
        "",
        f"test set: {r.test_size} samples",
        f"{'submission':<46} {'params':>6} {'on-chain':>9} {'mirror':>8} {'float':>8}",
    ]
    for row in r.rows:
        out.append(
            f"{row.who:<46} {row.params:>6} {row.onchain:>9.2%} {row.mirror:>8.2%} "
            f"{row.float_:>8.2%}"
        )
    return out + [
        f"winner: {r.winner or 'none (prize back to the organiser)'}",
        f"upload gas: {', '.join(f'{row.gas_upload:,}' for row in r.rows)}",
        f"gas per step: {', '.join(f'{g:,}' for g in r.step_gas)}",
        f"scoring fees to the keeper: {ether(r.fees)} for {sum(r.step_gas):,} gas",
        f"paid out: {', '.join(f'{a[:8]} {ether(v)}' for a, v in r.paid.items())}",
        f"conservation: {'ok' if r.conservation_ok else 'BROKEN'}",
    ]
