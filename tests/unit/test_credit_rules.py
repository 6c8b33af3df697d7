"""Four ways to credit a market contribution, measured on the open findings of issue 27.

The market pays each contributor the change in test accuracy its samples cause when every
contribution is replayed in commit order on a fresh copy of the initial model (the agreed
reward rule; ``sharedmodels.market.rules.reward_pass``). Three strict xfails in
``tests/chain/test_review_market2.py`` show an earlier committer choosing the model a later
honest sample lands on: (A) the provider's second address fits its own test set first and takes
its bounty back, (B) it fits the test set first and an honest ((0,), 1), +2 on the initial
model, scores -3, (C) a rival fitting only the public piece first turns that +2 into -1.

Here the same scenarios (rows read from the chain test file, so they cannot drift) are scored
exactly, over ``IntPerceptron`` (the contract's arithmetic), by four credit rules, each over
the parties' blocks of contributions (a party = an address, the only thing the chain sees):

* **commit order** -- the market's rule; checked against ``reward_pass``'s first pass;
* **leave-one-out** -- accuracy of the final model minus that of the replay without the party;
* **all-orders mean** -- the party's commit-order credit averaged over every order of the
  blocks (a Shapley-style credit);
* **solo** -- the party's blocks alone on the initial model (blind to everyone else).

docs/market-design.md, "Why no credit rule removes them", gives the table and the reasoning.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from fractions import Fraction
from itertools import permutations
from pathlib import Path

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from sharedmodels.market.rules import Contribution, reward_pass
from sharedmodels.mirrors.perceptron import IntPerceptron

Sample = tuple[tuple[int, ...], int]
Block = tuple[str, list[Sample]]
N_FEATURES = 64
PROPERTY = settings(max_examples=300, derandomize=True, deadline=None)

CHAIN_TEST = Path(__file__).parents[1] / "chain" / "test_review_market2.py"
NAMES = {"ROWS", "TWO_ROWS", "TWO_LABELS", "MIXED_ROWS", "MIXED_LABELS", "FIT_FIRST"}
NAMES |= {"SYM_ROWS", "SYM_LABELS"}


def _chain_constants() -> dict:
    """The scenario constants of the chain test, evaluated from its source (importing it would
    need Ape): each is a literal or a comprehension over ``range``."""
    out: dict = {}
    for node in ast.parse(CHAIN_TEST.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], "id", None)
            if name in NAMES:
                code = compile(ast.Expression(node.value), str(CHAIN_TEST), "eval")
                out[name] = eval(code, {"range": range})  # noqa: S307 (our own test file)
    assert set(out) == NAMES, f"missing in the chain test: {NAMES - set(out)}"
    return out


K = _chain_constants()


def _test_set(rows, labels) -> list[Sample]:
    return [(tuple(x), int(y)) for x, y in zip(rows, labels, strict=True)]


# ------------------------------------------------------------------------------ the rules


class Start:
    """The initial model of a market: weights and intercept (2**-59 units)."""

    def __init__(self, weights: dict[int, int] | None = None, intercept: int = 0) -> None:
        self.weights = dict(weights or {})
        self.intercept = intercept

    def fresh(self) -> IntPerceptron:
        m = IntPerceptron(N_FEATURES)
        m.weights = dict(self.weights)
        m.intercept = self.intercept
        return m


EMPTY = Start()


def correct(model: IntPerceptron, test: Sequence[Sample]) -> int:
    return sum(model.predict(x) == y for x, y in test)


def replay(
    blocks: Sequence[Block], test: Sequence[Sample], start: Start = EMPTY
) -> tuple[dict[str, int], int]:
    """Train the blocks in the order given; each party's credit is the accuracy change of each
    of its updates, and a gain made by a sample someone trained earlier in this order goes to
    the earliest (the market's copy rule). Returns (credit per party, final right answers)."""
    model = start.fresh()
    previous = correct(model, test)
    credit = {who: 0 for who, _ in blocks}
    first: dict[Sample, str] = {}
    for who, samples in blocks:
        for x, y in samples:
            first.setdefault((x, y), who)
            if model.update(x, y).changed:
                now = correct(model, test)
                owner = first[(x, y)] if now > previous else who
                credit[owner] += now - previous
                previous = now
    return credit, previous


def commit_order(blocks, test, start=EMPTY) -> dict[str, int]:
    return replay(blocks, test, start)[0]


def leave_one_out(blocks, test, start=EMPTY) -> dict[str, int]:
    final = replay(blocks, test, start)[1]
    return {
        who: final - replay([b for b in blocks if b[0] != who], test, start)[1] for who, _ in blocks
    }


def all_orders_mean(blocks, test, start=EMPTY) -> dict[str, Fraction]:
    orders = list(permutations(blocks))
    total = {who: 0 for who, _ in blocks}
    for order in orders:
        for who, c in commit_order(order, test, start).items():
            total[who] += c
    return {who: Fraction(t, len(orders)) for who, t in total.items()}


def solo(blocks, test, start=EMPTY) -> dict[str, int]:
    base = correct(start.fresh(), test)
    return {who: replay([(who, s)], test, start)[1] - base for who, s in blocks}


RULES = {
    "commit order": commit_order,
    "leave-one-out": leave_one_out,
    "all-orders mean": all_orders_mean,
    "solo": solo,
}


def table(blocks, test, start=EMPTY) -> dict[str, dict[str, Fraction]]:
    return {name: rule(blocks, test, start) for name, rule in RULES.items()}


def market_first_pass(blocks, test, start=EMPTY) -> dict[str, int]:
    """``reward_pass``'s first-pass scores for the blocks in commit order (0 if absent)."""
    contributions = [Contribution(who, x, y, 10**15) for who, s in blocks for x, y in s]
    out = reward_pass(
        10**18,
        test,
        contributions,
        n_features=N_FEATURES,
        initial_weights=start.weights,
        initial_intercept=start.intercept,
        slot_fee=10**15 // 8,
    )
    return {who: out.passes[0].scores.get(who, 0) for who, _ in blocks}


# ------------------------------------------------------------------- the measured table

# (A) the provider's second address commits the two perfect samples first, alice the same.
GOOD = [((0,), 1), ((1,), 1)]
A_TEST = _test_set(K["TWO_ROWS"], K["TWO_LABELS"])
A_BLOCKS = [("sybil", GOOD), ("alice", GOOD)]
# (B) the provider's second address fits the whole test set first; alice's ((0,), 1).
B_TEST = _test_set(K["MIXED_ROWS"], K["MIXED_LABELS"])
B_BLOCKS = [("sybil", list(K["FIT_FIRST"])), ("alice", [((0,), 1)])]
# (C) a rival fits the public piece (either of the two) first; alice's ((0,), 1).
C_TEST = _test_set(K["SYM_ROWS"], K["SYM_LABELS"])


def c_blocks(public: int) -> list[Block]:
    piece = C_TEST[public::2]  # round-robin into 2 pieces, as the market splits
    ones = tuple(x[1] for x, y in piece if y == 1)
    zeros = tuple(x[1] for x, y in piece if y == 0)
    return [("rival", [(ones, 1), (zeros, 0)]), ("alice", [((0,), 1)])]


# Per rule: (alice, the attacker side). The side in (A) and (B) is the provider's sybil (the
# provider itself contributes nothing), in (C) the rival.
MEASURED = {
    "A": {
        "commit order": (0, 8),
        "leave-one-out": (0, 0),
        "all-orders mean": (4, 4),
        "solo": (8, 8),
    },
    "B": {
        "commit order": (-3, 5),
        "leave-one-out": (-3, 0),
        "all-orders mean": (Fraction(-1, 2), 4),
        "solo": (2, 5),
    },
    "C": {
        "commit order": (-1, 3),
        "leave-one-out": (-1, 0),
        "all-orders mean": (Fraction(1, 2), Fraction(5, 2)),
        "solo": (2, 3),
    },
}


def _pairs(blocks, test) -> dict[str, tuple]:
    side = blocks[0][0]
    return {name: (c["alice"], c[side]) for name, c in table(blocks, test).items()}


def test_scenario_a_the_providers_perfect_samples_first():
    assert _pairs(A_BLOCKS, A_TEST) == MEASURED["A"]
    # ((0,), 1) alone makes all 8 right (the intercept's 0.01 carries feature 1's rows): the
    # sybil's second sample and both of alice's are no mistake behind it.
    assert replay(A_BLOCKS[:1], A_TEST)[1] == 8
    assert replay([("sybil", GOOD[:1])], A_TEST)[1] == 8


def test_scenario_b_the_providers_fit_turns_plus_two_into_minus_three():
    assert correct(EMPTY.fresh(), B_TEST) == 3  # a zero score is class 0: the three 0s
    assert _pairs(B_BLOCKS, B_TEST) == MEASURED["B"]
    # The two orders behind the mean: [sybil, alice] -3, [alice, sybil] +2.
    assert commit_order(B_BLOCKS[::-1], B_TEST) == {"alice": 2, "sybil": 3}


def test_scenario_c_a_rivals_public_fit_turns_plus_two_into_minus_one_whichever_piece():
    for public in (0, 1):
        blocks = c_blocks(public)
        assert _pairs(blocks, C_TEST) == MEASURED["C"]
        assert replay(blocks[:1], C_TEST)[1] == 7  # not a perfect fit: 4 right, then 7 of 10
        assert commit_order(blocks[::-1], C_TEST) == {"alice": 2, "rival": 2}


def test_commit_order_is_the_markets_first_pass_on_each_scenario():
    for blocks, test in [(A_BLOCKS, A_TEST), (B_BLOCKS, B_TEST), (c_blocks(0), C_TEST)]:
        assert commit_order(blocks, test) == market_first_pass(blocks, test)


def test_leave_one_out_of_the_last_party_is_its_commit_order_credit():
    """Alice commits last in every scenario: removing her gives the model she landed on, so
    leave-one-out charges her exactly what commit order does (the fitter, whose work alice
    only partly undoes, gets 0 under leave-one-out: the final model is as good without it)."""
    for blocks, test in [(A_BLOCKS, A_TEST), (B_BLOCKS, B_TEST), (c_blocks(1), C_TEST)]:
        assert leave_one_out(blocks, test)["alice"] == commit_order(blocks, test)["alice"]


# ------------------------------------------------ what a context-free rule pays for copies

ROWS_TEST = [(tuple(x), 1) for x in K["ROWS"]]  # 8 rows on feature 0, labelled 1
UNUSED = range(40, 64)  # no test sample holds these features


def near_copies(k: int) -> list[Block]:
    """One party sends the useful ((0,), 1) from 1 + k addresses, each copy with one feature
    no test sample has: not identical, so the copy rule cannot match them."""
    return [("a0", [((0,), 1)])] + [(f"a{i + 1}", [((0, UNUSED[i]), 1)]) for i in range(k)]


def test_solo_credit_pays_every_near_copy_in_full():
    for k in (1, 2, 3):
        blocks = near_copies(k)
        t = table(blocks, ROWS_TEST)
        parties = [who for who, _ in blocks]
        # Solo: every address earns the whole +8, so the party collects 8 (1 + k).
        assert t["solo"] == {who: 8 for who in parties}
        # Commit order: the first copy earns 8, the others are no mistake behind it.
        assert t["commit order"] == {"a0": 8, **{who: 0 for who in parties[1:]}}
        # Leave-one-out: each copy is redundant given the others: nobody earns anything.
        assert t["leave-one-out"] == {who: 0 for who in parties}
        # All-orders mean: the 8 split evenly; the party's total stays 8.
        assert t["all-orders mean"] == {who: Fraction(8, k + 1) for who in parties}


def test_an_honest_sample_shares_its_credit_with_near_copies_under_the_all_orders_mean():
    """The other side of the even split: if the copies are a stranger's (the useful sample is
    public knowledge), the honest first committer keeps 8 under commit order, but the mean
    over orders hands k / (k + 1) of it to the stranger's k addresses."""
    for k in (1, 3):
        blocks = near_copies(k)
        blocks[0] = ("alice", blocks[0][1])
        mean = all_orders_mean(blocks, ROWS_TEST)
        assert mean["alice"] == Fraction(8, k + 1)
        assert sum(mean.values()) - mean["alice"] == Fraction(8 * k, k + 1)
        assert commit_order(blocks, ROWS_TEST)["alice"] == 8


# --------------------------------------------------- splitting one party over addresses

# After alice's ((0,), 1) makes all 8 rows right, a party sends the undo ((0,), 0) twice.
UNDO_TWICE = [("alice", [((0,), 1)]), ("p", [((0,), 0), ((0,), 0)])]
UNDO_SPLIT = [("alice", [((0,), 1)]), ("p1", [((0,), 0)]), ("p2", [((0,), 0)])]


def test_leave_one_out_forgives_a_harm_split_over_two_addresses():
    """The first undo turns all 8 rows wrong (-8), the second changes the model again but no
    answer. From one address leave-one-out charges the party -8; from two, each undo is
    redundant given the other and is charged 0: the party escapes its whole loss. Commit order
    charges -8 either way. The all-orders mean charges -4 from one address and -8/3 in all
    from two (more orders put an undo before alice's sample, where it costs nothing): splitting
    pays under both."""
    one, two = table(UNDO_TWICE, ROWS_TEST), table(UNDO_SPLIT, ROWS_TEST)
    assert one["leave-one-out"]["p"] == -8
    assert two["leave-one-out"]["p1"] == two["leave-one-out"]["p2"] == 0
    assert one["commit order"]["p"] == -8
    assert two["commit order"]["p1"] + two["commit order"]["p2"] == -8
    assert one["all-orders mean"] == {"alice": 4, "p": -4}
    assert two["all-orders mean"] == {
        "alice": Fraction(8, 3),
        "p1": Fraction(-4, 3),
        "p2": Fraction(-4, 3),
    }
    # Alice, honest and first, earns +8 under commit order whatever p does; the mean over
    # orders lets p's undos placed before her cancel part of it.
    assert one["commit order"]["alice"] == two["commit order"]["alice"] == 8


def test_the_zero_score_poison_is_not_undone_by_leave_one_out():
    """The measured limit of tests/chain/test_review_market.py (same 8 rows): the provider's
    second address commits ((0,), 0) first, a tie on the empty model that changes no answer;
    alice's ((0,), 1) then only undoes it. Alice commits last, so leave-one-out gives her the
    commit-order 0 again; it charges the poison -8, but a charge on the provider's own
    address goes into the provider's own pool. The all-orders mean gives alice half (+4), solo
    all (+8)."""
    blocks = [("poison", [((0,), 0)]), ("alice", [((0,), 1)])]
    pairs = {n: (c["alice"], c["poison"]) for n, c in table(blocks, ROWS_TEST).items()}
    assert pairs == {
        "commit order": (0, 0),
        "leave-one-out": (0, -8),
        "all-orders mean": (4, -4),
        "solo": (8, 0),
    }
    assert commit_order(blocks, ROWS_TEST) == market_first_pass(blocks, ROWS_TEST)


# ------------------------------------------------------------- properties (Hypothesis)

FEATURES = 6  # shared features 0-5; row i of a test set also holds 10 + i, its own
rows_of = st.lists(st.integers(0, FEATURES - 1), max_size=3, unique=True)


def _sample(extra: Sequence[int]):
    pool = list(range(FEATURES)) + list(extra)
    return st.tuples(
        st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True).map(
            lambda xs: tuple(sorted(xs))
        ),
        st.integers(0, 1),
    )


@st.composite
def markets(draw, parties=(1, 4)):
    """A test set whose rows each hold a feature of their own (so some model fits it), a
    random initial model, and blocks of 1-3 contributions from 1-4 parties."""
    n = draw(st.integers(1, 5))
    test = [(tuple(sorted({*draw(rows_of), 10 + i})), draw(st.integers(0, 1))) for i in range(n)]
    weights = draw(st.dictionaries(st.integers(0, 15), st.integers(-2, 2), max_size=5))
    start = Start(weights, IntPerceptron(N_FEATURES).step * draw(st.integers(-2, 2)))
    own = [10 + i for i in range(n)] + [40, 41]
    k = draw(st.integers(*parties))
    blocks = [(f"p{j}", draw(st.lists(_sample(own), min_size=1, max_size=3))) for j in range(k)]
    return test, start, blocks


@PROPERTY
@given(markets())
def test_commit_order_credit_is_the_markets_first_pass(market):
    test, start, blocks = market
    assert commit_order(blocks, test, start) == market_first_pass(blocks, test, start)


def _fit(test: Sequence[Sample], start: Start, prefix: list[Sample]) -> list[Sample] | None:
    """The prefix, then samples that leave every test sample right: the test set itself,
    passed over until it is (a perceptron converges: each row's own feature separates it)."""
    model, trained = start.fresh(), list(prefix)
    for x, y in prefix:
        model.update(x, y)
    for _ in range(60):
        if correct(model, test) == len(test):
            return trained
        for x, y in test:
            model.update(x, y)
            trained.append((x, y))
    return None


@PROPERTY
@given(markets(parties=(1, 3)), st.lists(_sample([40, 41]), max_size=2))
@example((B_TEST, EMPTY, B_BLOCKS[1:]), list(K["FIT_FIRST"]))  # scenario (B): -3, LOO -3
def test_behind_a_fit_a_later_party_never_gains_under_the_context_rules(market, prefix):
    """Property: when the first party's contributions leave every test sample right, then
    (1) under commit order the later parties' credits sum to <= 0 (no model beats a perfect
    one); (2) a lone later party scores <= 0 under commit order and under leave-one-out, the
    two equal unless it resends one of the fitter's samples (a regain by such a copy goes to
    the fitter, the earliest sender); (3) the all-orders mean is NOT <= 0: with two parties and
    no shared sample it is exactly (commit order + solo) / 2, positive whenever the sample's
    solo gain exceeds its loss behind the fit (scenario C: (-1 + 2) / 2)."""
    test, start, later = market
    fit = _fit(test, start, prefix)
    assert fit is not None, "the rows' own features make every test set separable"
    first = ("fitter", fit)
    blocks = [first, *later]
    assert replay([first], test, start)[1] == len(test)
    credit = commit_order(blocks, test, start)
    assert sum(credit[who] for who, _ in later) <= 0
    event(f"later parties: {len(later)}")
    if len(later) == 1:
        (who, _), pair = later[0], [first, later[0]]
        behind = commit_order(pair, test, start)[who]
        loo = leave_one_out(pair, test, start)[who]
        assert behind <= loo <= 0
        if not set(fit) & set(later[0][1]):
            assert loo == behind
            alone = solo(pair, test, start)[who]
            mean = all_orders_mean(pair, test, start)[who]
            assert mean == Fraction(behind + alone, 2)
            loss = "< 0" if behind < 0 else "0"
            event(f"lone, no shared sample: behind {loss}, mean {'> 0' if mean > 0 else '<= 0'}")


@PROPERTY
@given(markets(parties=(2, 4)), st.data())
def test_commit_order_credit_ignores_how_a_party_splits_over_addresses(market, data):
    """Commit order pays a party the sum of its contributions' effects in one fixed replay, so
    renaming some of its contributions to extra addresses (keeping the commit order) changes
    nothing it collects in all; leave-one-out and the all-orders mean do not have this
    (``test_leave_one_out_forgives_a_harm_split_over_two_addresses``)."""
    test, start, blocks = market
    flat = [(who, s) for who, samples in blocks for s in samples]
    split = [
        (who + ("'" if data.draw(st.booleans()) else ""), [s]) for who, s in flat
    ]  # the same replay, some contributions under a second address of their party
    merged = commit_order(split, test, start)
    before = commit_order(blocks, test, start)
    for who, _ in blocks:
        assert merged.get(who, 0) + merged.get(who + "'", 0) == before[who]


@PROPERTY
@given(markets(parties=(1, 1)), st.integers(1, 4))
def test_solo_credit_of_a_near_copy_is_the_originals(market, k):
    """A feature that no test sample holds and the initial model leaves at 0 changes neither
    whether a sample is a mistake on the initial model nor any test answer after it: every
    near copy of a sample earns that sample's solo credit, so under the solo rule a party
    multiplies its credit by its addresses (near copies are not identical, so nothing on
    chain tells them from independent data)."""
    test, start, blocks = market  # initial weights on features 0-15 only
    x, y = blocks[0][1][0]
    copies = [("a", [(x, y)])] + [(f"c{i}", [(tuple(sorted({*x, 50 + i})), y)]) for i in range(k)]
    credit = solo(copies, test, start)
    assert set(credit.values()) == {credit["a"]}
    assert sum(credit.values()) == (k + 1) * credit["a"]
