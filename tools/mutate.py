"""Mutation check of the contracts (``make mutate``; not in CI: it takes hours for them all).

Each mutant changes one thing in one file of ``contracts/`` (for the generated deployables, in
their Jinja2 templates in ``contracts/templates/``, after which the deployables are
regenerated with ``python -m sharedmodels.codegen``); that contract's own tests run against it
in a scratch copy of the repository, and a mutant they do not fail *survives*.

Kinds of mutant:
- ``assert``: one reasoned ``assert`` becomes ``pass``; ``nonreentrant``: one lock removed.
- Arithmetic and comparisons, only inside money and verdict paths (below): ``+``/``-`` and
  ``+=``/``-=`` swapped (``arith``); ``<``/``<=`` and ``>``/``>=`` swapped, which is also a
  swapped tie-break (``compare``); an integer literal one higher (``off-by-one``); ``a // b``
  rounded up instead of down (``round``); ``a % b`` taken as 0 and ``x += a - b`` (a
  remainder handed out) dropped (``remainder``); a unary minus dropped (``sign``).

Money and verdict paths. The contract modules are parsed with Vyper's own parser (the
templates, which are not Vyper until rendered, line by line). A function is a *root* if it
moves or books value: it is ``@payable``, reads ``msg.value``, calls ``raw_call``/``send``,
or assigns to state whose name says money or reward (balance, pool, stake, deposit, claimable,
prize, fee, reward, points, ...); or if it decides a verdict: ``predict``, ``verdict``,
``_predict``, ``_predict_without`` and the training steps ``_train``/``_step``/``update``,
which decide every later prediction. The paths are the functions that call a root, directly
or through others (each external entry point that ends in a payment, say), plus everything
those call (the share formula, the leave-one-out sums, the log table...). Calls are matched
by name across files, so the set errs on the side of including too much. Outside the paths
(views for clients, uploads before the seal, constructors that take no value) only the
assert and lock mutants are made.

Every contract file maps to the smallest set of test files (and a ``-k`` filter) that deploys
it, fastest killers first; pytest runs with ``-x`` so a killed mutant stops at its first
failure (``--keep-going`` runs them all). The run ends non-zero if a mutant survives in a
money or verdict path, or an assert or lock that guards money or access survives (its reason
or function names money, an owner or a deadline: ``guards_money_or_access``); other
survivors are listed for a person to judge. A mutant proven equivalent (no input can tell
it from the original) is listed in ``EQUIVALENT`` with the reason and not run.

    python tools/mutate.py                       # every mutant, two at a time
    python tools/mutate.py --only naive_bayes    # one contract (a substring of its path)
    python tools/mutate.py --only stake --kind arith,compare --jobs 1
    python tools/mutate.py --list                # the mutants and their tests, without running
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from sharedmodels.rpc.node import free_port

ROOT = Path(__file__).resolve().parents[1]
APE = ROOT / ".venv" / "bin" / "ape"
PYTHON = ROOT / ".venv" / "bin" / "python"
#: The templates the deployables are generated from (``sharedmodels.codegen``).
TEMPLATES = Path("contracts/templates")


@dataclass(frozen=True)
class Tests:
    """The test files that exercise one contract file, fastest killers first, and an optional
    ``-k`` expression that keeps only the tests deploying it."""

    files: tuple[str, ...]
    k: str = ""


def _tests(*files: str, k: str = "") -> Tests:
    return Tests(tuple(files), k)


#: Models built on base.vy: the tests of one of them, by its parametrisation id.
def _model(name: str, exclude: str = "") -> Tests:
    k = f"{name} and not {exclude}" if exclude else name
    return _tests(
        "tests/chain/test_loo_retraining.py",
        "tests/chain/test_models.py",
        "tests/chain/test_leave_one_out.py",
        "tests/chain/test_add_class.py",
        "tests/chain/test_model_trainers.py",
        k=k,
    )


TRAINERS = _tests(
    "tests/chain/test_stake.py",
    "tests/chain/test_points.py",
    "tests/chain/test_attacks.py",
    "tests/chain/test_front_running.py",
    "tests/chain/test_sponsor.py",
    "tests/chain/test_sponsor_review.py",
    "tests/chain/test_model_trainers.py",
    "tests/hypothesis/test_stake_machine.py",
)
MARKET = _tests(
    "tests/chain/test_market_front_running.py",
    "tests/chain/test_market.py",
    "tests/chain/test_market_attacks.py",
    "tests/chain/test_market_review.py",
    "tests/chain/test_review_market2.py",
    "tests/chain/test_review_market3.py",
    "tests/chain/test_review_market.py",
    "tests/chain/test_review_market4.py",
    "tests/chain/test_review_market5.py",
    "tests/chain/test_review_fix6.py",
    "tests/hypothesis/test_market_property.py",
)
BOUNTY = _tests(
    "tests/chain/test_bounty_ties.py",
    "tests/chain/test_bounty.py",
    "tests/chain/test_review_bounty.py",
    "tests/chain/test_review_bounty2.py",
    "tests/chain/test_bounty_front_running.py",
    "tests/hypothesis/test_bounty_property.py",
    "tests/chain/test_bounty_gas.py",
)
FEDERATED = _tests(
    "tests/chain/test_federated_boundary.py",
    "tests/chain/test_federated.py",
    "tests/chain/test_federated_front_running.py",
    "tests/hypothesis/test_federated_property.py",
)
#: The hub and its pool contract deploy together in every hub test.
HUB = _tests(
    "tests/chain/test_hub_keeper_pay.py",
    "tests/chain/test_hub.py",
    "tests/chain/test_review_hub4.py",
    "tests/chain/test_review_hub.py",
    "tests/chain/test_review_hub2.py",
    "tests/chain/test_review_hub3.py",
    "tests/chain/test_hub_front_running.py",
    "tests/chain/test_hub_pairing.py",
    "tests/chain/test_review_hub5.py",
    "tests/chain/test_review_hub6.py",
    "tests/chain/test_review_hub7.py",
    "tests/chain/test_review_hub8.py",
    "tests/chain/test_review_fix6.py",
    "tests/chain/test_hub_unwind.py",
    k="not gas_of",
)
#: The tests of each contract file (first match wins; globs on the path under contracts/).
TESTS: list[tuple[str, Tests]] = [
    ("PredictionMarket.vy", MARKET),
    ("ModelBounty.vy", BOUNTY),
    ("models/bounty_forward.vy", BOUNTY),
    ("FederatedTask.vy", FEDERATED),
    ("ModelHub.vy", HUB),
    ("HubPool.vy", HUB),
    ("models/nearest_centroid.vy", _model("ncc", exclude="sparse_ncc")),
    ("models/sparse_nearest_centroid.vy", _model("sparse_ncc")),
    ("models/naive_bayes.vy", _model("naive_bayes")),
    ("models/dense_perceptron.vy", _model("dense_perceptron")),
    (
        "models/numeric.vy",
        _tests(
            "tests/chain/test_numeric.py",
            "tests/chain/test_models.py",
            "tests/chain/test_loo_retraining.py",
            k="not sparse_ncc",
        ),
    ),
    (
        "models/base.vy",
        _tests(
            "tests/chain/test_models.py",
            "tests/chain/test_add_class.py",
            "tests/chain/test_model_trainers.py",
        ),
    ),
    (
        "models/sparse_perceptron.vy",
        _tests(
            "tests/chain/test_perceptron.py",
            "tests/chain/test_parity.py",
            "tests/chain/test_stake.py",
        ),
    ),
    (
        "templates/standalone.vy.j2",
        _tests("tests/chain/test_models.py", "tests/chain/test_perceptron.py"),
    ),
    ("templates/*", TRAINERS),
    ("incentives/stake.vy", _tests(*[f for f in TRAINERS.files if "points" not in f])),
    (
        "incentives/points.vy",
        _tests("tests/chain/test_points.py", "tests/chain/test_model_trainers.py", k="points"),
    ),
    ("data/*", TRAINERS),
    ("auth/signed.vy", _tests("tests/chain/test_sponsor.py", "tests/chain/test_sponsor_review.py")),
    (
        "lib/pay.vy",
        _tests(
            "tests/chain/test_lib.py",
            "tests/chain/test_attacks.py",
            "tests/chain/test_market_attacks.py",
            "tests/chain/test_bounty.py",
            "tests/chain/test_federated.py",
        ),
    ),
    (
        "lib/seed.vy",
        _tests(
            "tests/chain/test_lib.py",
            "tests/chain/test_market.py",
            "tests/chain/test_bounty.py",
            "tests/chain/test_review_bounty.py",
        ),
    ),
    (
        "lib/hash_chain.vy",
        _tests(
            "tests/chain/test_lib.py",
            "tests/chain/test_market_commitment.py",
            "tests/chain/test_market.py",
            "tests/chain/test_bounty.py",
        ),
    ),
    (
        "auth/ownable.vy",
        _tests(
            "tests/chain/test_attacks.py",
            "tests/chain/test_stake.py",
            "tests/chain/test_perceptron.py",
            "tests/chain/test_models.py",
            "tests/chain/test_model_trainers.py",
        ),
    ),
]

#: Words in an assert's reason or its function that mark it as guarding money or access.
MONEY_OR_ACCESS = re.compile(
    r"deposit|refund|report|take|withdraw|stake|bounty|pay|owner|provider|only|contributor|"
    r"nothing|already|too early|deadline|not done|reward|forfeit|cancel|draw|commitment|"
    r"signature|nonce|batch|reentr",
    re.IGNORECASE,
)
#: State whose assignment books value: money, or the rewards of the no-money incentive.
MONEY_STATE = re.compile(
    r"balance|pool|owed|held|stake|deposit|claimable|prize|fee|reward|earned|paid|refund|"
    r"withdrawn|forfeit|bounty|points|good|share|payout|due",
    re.IGNORECASE,
)
#: Functions that decide a verdict (a prediction, or a training step every later one depends on).
VERDICT_ROOTS = {"predict", "verdict", "_predict", "_predict_without", "_train", "_step", "update"}
ARITHMETIC_KINDS = ("arith", "compare", "off-by-one", "round", "remainder", "sign")

#: Mutants no input can tell from the original, by (path, function, the mutated line as it
#: reads after the change, stripped), with the reason. They are listed, not run.
_LANE_ANY = "`_lane(word, lane)` reads the high lane for any lane but 0, so lane 2 is lane 1"
_ONE_STEP_FITS = (
    "`_batch`'s fallback is unreachable: `load + per` is at most 4,012,000 for every shape"
    " `submit` and the constructor allow (the 32-32 MLP on 32 features, 8 classes), below"
    " MAX_BUDGET (tests/unit/test_bounty_models.py::test_no_allowed_shape_overflows_one_step)"
)
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "contracts/models/nearest_centroid.vy",
        "_nearest",
        "t += self._lane(s, 2) * convert(x[2 * i + 1], int256)",
    ): _LANE_ANY,
    ("contracts/models/nearest_centroid.vy", "_train", "hi: int256 = self._lane(s, 2)"): _LANE_ANY,
    (
        "contracts/models/dense_perceptron.vy",
        "_scores",
        "total += self._lane(word, 2) * convert(x[2 * i + 1], int256)",
    ): _LANE_ANY,
    (
        "contracts/models/dense_perceptron.vy",
        "_train",
        "word = self._set_lane(word, 2, self._lane(word, 1) + delta"
        " * convert(x[2 * i + 1], int256))",
    ): "`_set_lane(word, lane, w)` writes the high lane for any lane but 0",
    (
        "contracts/models/dense_perceptron.vy",
        "_train",
        "word = self._set_lane(word, 1, self._lane(word, 2) + delta"
        " * convert(x[2 * i + 1], int256))",
    ): _LANE_ANY,
    (
        "contracts/FederatedTask.vy",
        "_share_leftover",
        "total: uint256 = 1",
    ): "the loop over levels sets `total = 0` before reading it, so the initial value is unread",
    (
        "contracts/FederatedTask.vy",
        "_share_leftover",
        "for level: uint256 in range(3):",
    ): "a third level repeats level 0 (`level == 1` false), whose total was already 0 to get there",
    ("contracts/ModelBounty.vy", "_batch", "return 2"): _ONE_STEP_FITS,
    ("contracts/ModelBounty.vy", "_batch", "if load + per >= MAX_BUDGET:"): _ONE_STEP_FITS,
    ("contracts/ModelBounty.vy", "_batch", "if load - per > MAX_BUDGET:"): _ONE_STEP_FITS
    + "; `load - per` is positive too (every load is above 1,000,000, a sample at most 636,000)",
    ("contracts/HubPool.vy", "move_cut", "if (e >> _UP_AT) & _COUNT >= e >> _DOWN_AT:"): (
        "a feature whose two counts are equal adds 0 to the worth, and this loop marks nothing"
    ),
    ("contracts/HubPool.vy", "_funded_since", "if lo > hi:"): (
        "the search keeps the first checkpoint at `blk` or later in [lo, hi]; at lo == hi that"
        " checkpoint's block is >= blk, so every further step sets hi = mid = lo and changes"
        " nothing: the same answer after more (bounded) steps, gas only"
    ),
    (
        "contracts/PredictionMarket.vy",
        "_apply",
        "if p.negative and (balance < self.accounts[who].stake or (score <= 0 and balance <"
        " slot_fee + convert(-score, uint256))):",
    ): (
        "a zero scorer's balance is at least its stake (an active contributor starts every"
        " pass with that, and only a loss lowers it), and a stake is at least the slot fee:"
        " `balance < slot_fee + 0` is false either way"
    ),
    ("contracts/PredictionMarket.vy", "_apply", "elif score <= 0:"): (
        "a zero score reaches this branch only after `score > 0` failed, and moves the balance"
        " and the losses by 0 * rounds"
    ),
    ("contracts/PredictionMarket.vy", "step", "cost: uint256 = 1"): (
        "Vyper needs the declaration; the tuple assignment from `_apply` on the next line "
        "overwrites it before anything reads it"
    ),
}


@dataclass
class Mutant:
    path: Path  # relative to ROOT
    line: int  # 1-based
    kind: str
    text: str  # the line, stripped
    function: str
    in_path: bool = False
    #: For the span mutants: (line, col, end_line, end_col) of what is replaced (0-based cols).
    span: tuple[int, int, int, int] | None = None
    replacement: str = ""
    was: str = ""

    @property
    def name(self) -> str:
        what = f" {self.was!r} -> {self.replacement!r}" if self.span else ""
        return f"{self.path}:{self.line} ({self.kind} in {self.function}){what}"

    def guards_money_or_access(self) -> bool:
        return self.kind == "nonreentrant" or bool(
            MONEY_OR_ACCESS.search(self.text) or MONEY_OR_ACCESS.search(self.function)
        )

    def fails_the_run(self) -> bool:
        """Whether surviving is a failing result (see the module's docstring)."""
        return self.in_path or (
            self.kind in ("assert", "nonreentrant") and self.guards_money_or_access()
        )

    def mutated_line(self) -> str:
        """The mutant's first changed line as it reads after the change, stripped."""
        return self.apply((ROOT / self.path).read_text()).split("\n")[self.line - 1].strip()

    def equivalent(self) -> str | None:
        return EQUIVALENT.get((str(self.path), self.function, self.mutated_line()))

    def apply(self, source: str) -> str:
        lines = source.split("\n")
        if self.span is not None:
            line, col, end_line, end_col = self.span
            head = "\n".join(lines[: line - 1] + [lines[line - 1][:col]])
            tail = "\n".join([lines[end_line - 1][end_col:]] + lines[end_line:])
            return head + self.replacement + tail
        old = lines[self.line - 1]
        indent = old[: len(old) - len(old.lstrip())]
        if self.kind == "nonreentrant":
            del lines[self.line - 1]
        else:
            lines[self.line - 1] = f"{indent}pass"
        return "\n".join(lines)


# ---------------------------------------------------------------- reading the contracts


@dataclass
class Function:
    path: Path
    name: str
    start: int  # line of `def`
    end: int
    calls: set[str] = field(default_factory=set)
    root: bool = False
    node: object = None  # the Vyper AST node (None for a template's function)


def generated(rel: Path) -> bool:
    return "Generated by" in (ROOT / rel).read_text()[:200]


def is_template(rel: Path) -> bool:
    return rel.parent == TEMPLATES


def _vyper_functions(rel: Path) -> list[Function]:
    import vyper.ast as vy_ast

    source = (ROOT / rel).read_text()
    module = vy_ast.parse_to_ast(source)
    out = []
    for fn in module.get_children(vy_ast.FunctionDef):
        decorators = {getattr(d, "id", "") for d in fn.decorator_list}
        f = Function(rel, fn.name, fn.lineno, fn.end_lineno, node=fn)
        body = "\n".join(source.split("\n")[fn.lineno - 1 : fn.end_lineno])
        for call in fn.get_descendants(vy_ast.Call):
            func = call.func
            if isinstance(func, vy_ast.Attribute):
                f.calls.add(func.attr)
            elif isinstance(func, vy_ast.Name):
                f.calls.add(func.id)
        writes = [
            t.node_source_code
            for node in fn.get_descendants((vy_ast.Assign, vy_ast.AugAssign))
            for t in [node.target]
            if "self." in t.node_source_code or "[" in t.node_source_code
        ]
        f.root = (
            "payable" in decorators
            or "msg.value" in body
            or "raw_call(" in body
            or re.search(r"\bsend\(", body) is not None
            or any(MONEY_STATE.search(w) for w in writes)
            or fn.name in VERDICT_ROOTS
        )
        out.append(f)
    return out


def _template_functions(rel: Path) -> list[Function]:
    lines = (ROOT / rel).read_text().split("\n")
    out: list[Function] = []
    for n, raw in enumerate(lines, start=1):
        m = re.match(r"def ([\w{} ]+?)\(", raw)
        if not m:
            continue
        end = n
        while end < len(lines) and not re.match(r"[^\s]", lines[end] or " "):
            end += 1
        body = "\n".join(lines[n - 1 : end])
        decorators = "\n".join(lines[max(0, n - 4) : n - 1])
        f = Function(rel, m.group(1).strip(), n, end)
        f.calls = set(re.findall(r"\.(\w+)\(", body))
        f.root = "@payable" in decorators or "msg.value" in body
        out.append(f)
    return out


def functions(rel: Path) -> list[Function]:
    return _template_functions(rel) if is_template(rel) else _vyper_functions(rel)


def paths(all_functions: list[Function]) -> set[tuple[Path, str]]:
    """The (file, function) pairs in a money or verdict path (see the module's docstring)."""
    by_name: dict[str, list[Function]] = defaultdict(list)
    for f in all_functions:
        by_name[f.name].append(f)
    up = {id(f) for f in all_functions if f.root}
    changed = True
    while changed:  # callers of what is in, up to the entry points
        changed = False
        for f in all_functions:
            calls = f.calls - {"__init__"}
            if id(f) not in up and any(id(g) in up for c in calls for g in by_name.get(c, [])):
                up.add(id(f))
                changed = True
    inside = set(up)
    todo = [f for f in all_functions if id(f) in up]
    while todo:  # and everything they call (a module's constructor is not a call into it)
        f = todo.pop()
        for c in f.calls - {"__init__"}:
            for g in by_name.get(c, []):
                if id(g) not in inside:
                    inside.add(id(g))
                    todo.append(g)
    return {(f.path, f.name) for f in all_functions if id(f) in inside}


# ---------------------------------------------------------------- making the mutants


def _assert_and_lock_mutants(rel: Path) -> list[Mutant]:
    out = []
    lines = (ROOT / rel).read_text().split("\n")
    function = "(module)"
    for n, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        m = re.match(r"def (\w+)\(", stripped)
        if m:
            function = m.group(1)
        if re.match(r"assert\b", stripped) and re.search(r',\s*"[^"]*: ', stripped):
            out.append(Mutant(rel, n, "assert", stripped, function))
        elif stripped == "@nonreentrant":
            out.append(Mutant(rel, n, "nonreentrant", stripped, _next_def(lines, n)))
    return out


def _next_def(lines: list[str], n: int) -> str:
    for raw in lines[n:]:
        m = re.match(r"def ([\w{} ]+?)\(", raw.strip())  # a template's may be `{{ name }}`
        if m:
            return m.group(1)
    return "?"


_SWAP = {"+": "-", "-": "+", "<": "<=", "<=": "<", ">": ">=", ">=": ">", "+=": "-=", "-=": "+="}


def _gap(lines: list[str], a: object, b: object) -> tuple[int, int, str]:
    """The source between the end of node ``a`` and the start of node ``b`` on one line."""
    if a.end_lineno != b.lineno:
        return a.end_lineno, a.end_col_offset, ""
    return a.end_lineno, a.end_col_offset, lines[b.lineno - 1][a.end_col_offset : b.col_offset]


def _operator_swap(rel, lines, fn, node, left, right, op: str, kind: str) -> Mutant | None:
    line, col, gap = _gap(lines, left, right)
    at = gap.find(op)
    if at < 0 or op not in _SWAP:
        return None
    start = col + at
    return Mutant(
        rel,
        line,
        kind,
        lines[line - 1].strip(),
        fn.name,
        span=(line, start, line, start + len(op)),
        replacement=_SWAP[op],
        was=op,
    )


def _arithmetic_mutants(rel: Path, fn: Function) -> list[Mutant]:
    import vyper.ast as vy_ast

    lines = (ROOT / rel).read_text().split("\n")
    node = fn.node
    out: list[Mutant] = []
    skip: set[int] = set()  # literals that are types, bounds, exponents or shift amounts
    for ann in node.get_descendants(vy_ast.AnnAssign):
        skip.update(id(i) for i in ann.annotation.get_descendants(vy_ast.Int, include_self=True))
    for kw in node.get_descendants(vy_ast.keyword):
        if kw.arg == "bound":
            skip.update(id(i) for i in kw.value.get_descendants(vy_ast.Int, include_self=True))
    for b in node.get_descendants(vy_ast.BinOp):
        if isinstance(b.op, vy_ast.Pow):
            skip.update(id(i) for i in b.get_descendants(vy_ast.Int))
        if isinstance(b.op, vy_ast.LShift | vy_ast.RShift):
            skip.update(id(i) for i in b.right.get_descendants(vy_ast.Int, include_self=True))
    for c in node.get_descendants(vy_ast.Compare):  # the strictness swap covers the bound
        if isinstance(c.op, vy_ast.Lt | vy_ast.LtE | vy_ast.Gt | vy_ast.GtE):
            for side in (c.left, c.right):
                if isinstance(side, vy_ast.Int):
                    skip.add(id(side))
    for call in node.get_descendants(vy_ast.Call):
        name = getattr(call.func, "id", "")
        if name in ("empty", "convert", "raw_call", "slice", "extract32"):
            skip.update(id(i) for i in call.get_descendants(vy_ast.Int))

    def add(m: Mutant | None) -> None:
        if m is not None:
            out.append(m)

    def span_of(n) -> tuple[int, int, int, int]:
        return (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset)

    for b in node.get_descendants(vy_ast.BinOp):
        if isinstance(b.op, vy_ast.Add | vy_ast.Sub):
            op = "+" if isinstance(b.op, vy_ast.Add) else "-"
            add(_operator_swap(rel, lines, fn, b, b.left, b.right, op, "arith"))
        elif isinstance(b.op, vy_ast.FloorDiv):
            l_src, r_src = b.left.node_source_code, b.right.node_source_code
            out.append(
                Mutant(
                    rel, b.lineno, "round", lines[b.lineno - 1].strip(), fn.name,
                    span=span_of(b),
                    replacement=f"(({l_src}) + ({r_src}) - 1) // ({r_src})",
                    was=b.node_source_code,
                )
            )  # fmt: skip
        elif isinstance(b.op, vy_ast.Mod):
            out.append(
                Mutant(
                    rel, b.lineno, "remainder", lines[b.lineno - 1].strip(), fn.name,
                    span=span_of(b), replacement="0", was=b.node_source_code,
                )
            )  # fmt: skip
    for a in node.get_descendants(vy_ast.AugAssign):
        if isinstance(a.op, vy_ast.Add | vy_ast.Sub):
            op = "+=" if isinstance(a.op, vy_ast.Add) else "-="
            add(_operator_swap(rel, lines, fn, a, a.target, a.value, op, "arith"))
            if isinstance(a.op, vy_ast.Add) and isinstance(a.value, vy_ast.BinOp):
                if isinstance(a.value.op, vy_ast.Sub):  # x += total - given: a remainder
                    out.append(
                        Mutant(
                            rel, a.lineno, "remainder", lines[a.lineno - 1].strip(), fn.name,
                            span=span_of(a), replacement="pass", was=a.node_source_code,
                        )
                    )  # fmt: skip
    for c in node.get_descendants(vy_ast.Compare):
        ops = {vy_ast.Lt: "<", vy_ast.LtE: "<=", vy_ast.Gt: ">", vy_ast.GtE: ">="}
        op = next((s for t, s in ops.items() if isinstance(c.op, t)), None)
        if op:
            add(_operator_swap(rel, lines, fn, c, c.left, c.right, op, "compare"))
    for u in node.get_descendants(vy_ast.UnaryOp):
        if isinstance(u.op, vy_ast.USub):
            out.append(
                Mutant(
                    rel, u.lineno, "sign", lines[u.lineno - 1].strip(), fn.name,
                    span=(u.lineno, u.col_offset, u.operand.lineno, u.operand.col_offset),
                    replacement="", was=lines[u.lineno - 1][u.col_offset : u.operand.col_offset],
                )
            )  # fmt: skip
    for i in node.get_descendants(vy_ast.Int):
        if id(i) in skip or i.lineno == node.lineno:
            continue
        out.append(
            Mutant(
                rel, i.lineno, "off-by-one", lines[i.lineno - 1].strip(), fn.name,
                span=span_of(i), replacement=str(i.value + 1), was=i.node_source_code,
            )
        )  # fmt: skip
    return sorted(out, key=lambda m: (m.line, m.span))


#: Spaced binary operators a template's body may hold (the templates are not Vyper until
#: rendered, so they are read line by line; strings and comments are left alone).
_TEMPLATE_OPS = re.compile(r" (\+=|-=|<=|>=|<|>|\+|-) ")


def _template_arithmetic_mutants(rel: Path, fn: Function) -> list[Mutant]:
    lines = (ROOT / rel).read_text().split("\n")
    out = []
    in_doc = False
    for n in range(fn.start + 1, fn.end + 1):
        raw = lines[n - 1]
        stripped = raw.strip()
        if stripped.startswith('"""'):
            in_doc = not (in_doc or stripped.count('"""') == 2)
            continue
        if in_doc or stripped.startswith(("#", "{", "log ")) or not stripped:
            continue
        code = re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), raw.split("#")[0])
        code = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", lambda m: " " * len(m.group()), code)
        for m in _TEMPLATE_OPS.finditer(code):
            op = m.group(1)
            kind = "compare" if op in ("<", "<=", ">", ">=") else "arith"
            out.append(
                Mutant(
                    rel, n, kind, stripped, fn.name,
                    span=(n, m.start(1), n, m.end(1)), replacement=_SWAP[op], was=op,
                )
            )  # fmt: skip
    return out


def mutants(files: list[Path], every: list[Path] | None = None) -> list[Mutant]:
    """The mutants of ``files``; ``every`` (default: the same files) decides the paths."""
    table = [f for rel in (every or files) for f in functions(rel)]
    inside = paths(table)
    out = []
    for rel in files:
        made = _assert_and_lock_mutants(rel)
        for fn in functions(rel):
            if (rel, fn.name) in inside:
                made += (
                    _template_arithmetic_mutants(rel, fn)
                    if is_template(rel)
                    else _arithmetic_mutants(rel, fn)
                )
        for m in made:
            m.in_path = (rel, m.function) in inside
        out += sorted(made, key=lambda m: m.line)
    return out


# ---------------------------------------------------------------- running them


def tests_for(rel: Path) -> Tests:
    inside = str(rel.relative_to("contracts"))
    for pattern, tests in TESTS:
        if fnmatch(inside, pattern):
            files = tuple(t for t in dict.fromkeys(tests.files) if (ROOT / t).exists())
            return Tests(files, tests.k)
    return Tests(())


def imports(path: Path) -> set[Path]:
    """The contract files ``path`` imports, directly or through other modules (paths relative
    to ROOT)."""
    out: set[Path] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        for dots, package, names in re.findall(
            r"^from (\.+)([\w.]*) import ([\w, ]+?)(?: as \w+)?$",
            (ROOT / current).read_text(),
            re.M,
        ):
            base = current.parent
            for _ in range(len(dots) - 1):
                base = base.parent
            for name in names.split(","):
                target = base.joinpath(*filter(None, package.split(".")), f"{name.strip()}.vy")
                if (ROOT / target).is_file() and target not in out:
                    out.add(target)
                    todo.append(target)
    return out


def deployables_using(module: Path) -> list[str]:
    """The top-level contracts that import ``module`` (a module file under contracts/)."""
    return sorted(
        str(p.relative_to(ROOT))
        for d in ("contracts", "contracts/generated")
        for p in (ROOT / d).glob("*.vy")
        if module in imports(p.relative_to(ROOT))
    )


def compile_in(copy: Path, contracts: list[str]) -> str | None:
    """Recompile ``contracts`` in the copy; the compiler's last line if it failed. Ape does
    not notice a change in an imported module, so a module's mutant must force its
    deployables (and again once it is restored)."""
    if not contracts:
        return None
    proc = subprocess.run(
        [str(APE), "compile", "--force", *contracts],
        cwd=copy,
        env=_env(copy),
        capture_output=True,
        text=True,
    )
    if proc.returncode == 0:
        return None
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return next((ln for ln in reversed(lines) if "Error" in ln), lines[-1] if lines else "?")


#: Ape's build cache of a copy (every contract compiled), and where the pristine one is kept.
MANIFEST = Path(".build/__local__.json")
PRISTINE = Path(".build-pristine.json")


def scratch_copy(like: Path | None = None) -> Path:
    """A copy of the repository's tracked files (contracts, tests, config, package), sharing
    the installed ``.venv``, ``node_modules`` and dataset cache by symlink, with every contract
    compiled (taken from ``like``, another such copy, when given). The build cache is kept
    aside so that restoring it undoes a mutant's compilation without compiling again."""
    dest = Path(tempfile.mkdtemp(prefix="sharedmodels-mutant-"))
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for f in files:
        if not (ROOT / f).exists():  # deleted in the work tree, not yet committed
            continue
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, target)
    for link in (".venv", "node_modules", "data/cache"):
        if (ROOT / link).exists():
            (dest / link).parent.mkdir(parents=True, exist_ok=True)
            (dest / link).symlink_to(ROOT / link)
    if like is not None:
        (dest / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(like / PRISTINE, dest / MANIFEST)
    else:
        proc = subprocess.run(
            [str(APE), "compile"], cwd=dest, env=_env(dest), capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"the unmutated contracts do not compile:\n{proc.stderr[-2000:]}")
    shutil.copy2(dest / MANIFEST, dest / PRISTINE)
    return dest


def _env(copy: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{ROOT / 'bin'}:{ROOT / '.venv/bin'}:{os.environ['PATH']}",
        "APE_FOUNDRY_HOST": f"http://127.0.0.1:{free_port()}",
        # The copy's package first; whatever else the caller had on the path after it.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(copy), os.environ.get("PYTHONPATH")])),
        "PYTHONWARNINGS": "ignore:Field 'import_remapping'",
    }


def regenerate(copy: Path) -> list[str]:
    """Write the deployables of the copy's templates into the copy's ``contracts/``; the ones
    that changed (paths relative to the copy)."""
    proc = subprocess.run(
        [str(PYTHON), "-m", "sharedmodels.codegen"],
        cwd=copy,
        env=_env(copy),
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(
        f"contracts/{line.split()[1]}"
        for line in proc.stdout.splitlines()
        if line.startswith("wrote ")
    )


def run_tests(copy: Path, tests: Tests, timeout: int, keep_going: bool) -> tuple[bool, str]:
    """True if the tests pass (the mutant survives)."""
    args = [str(APE), "test", *tests.files, "-q", "-p", "no:cacheprovider"]
    if not keep_going:
        args.append("-x")
    if tests.k:
        args += ["-k", tests.k]
    try:
        proc = subprocess.run(
            args, cwd=copy, env=_env(copy), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return False, "timed out (counted as killed)"
    out = (proc.stdout + proc.stderr).strip().splitlines()
    failed = next((ln for ln in out if ln.startswith("FAILED ")), None)
    tail = failed or (out[-1] if out else "")
    # 5: nothing collected (a -k that matches no test) is no evidence: count it as a survivor.
    return proc.returncode in (0, 5), tail


def _filtered(args: argparse.Namespace) -> list[Path]:
    every = sorted(
        p.relative_to(ROOT)
        for p in [*(ROOT / "contracts").rglob("*.vy"), *(ROOT / TEMPLATES).glob("*.j2")]
    )
    return [
        rel
        for rel in every
        if args.only.lower() in str(rel).lower()
        and not (args.skip and args.skip.lower() in str(rel).lower())
        and not generated(rel)
    ]


def sampled(todo: list[Mutant], n: int, seed: int) -> list[Mutant]:
    """At most ``n`` mutants per contract file, drawn with ``seed``: those in money or verdict
    paths first, then the rest; kept in file order. The draw is reproducible, so a sample run
    names exactly which mutants its killed/total covers."""
    rng = random.Random(seed)
    keep: list[Mutant] = []
    for rel in dict.fromkeys(m.path for m in todo):
        mine = [m for m in todo if m.path == rel]
        paths = [m for m in mine if m.in_path]
        rest = [m for m in mine if not m.in_path]
        chosen = rng.sample(paths, min(n, len(paths)))
        chosen += rng.sample(rest, min(n - len(chosen), len(rest)))
        keep += [m for m in mine if m in chosen]
    return keep


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="Only contract paths containing this.")
    parser.add_argument("--skip", default=None, help="Leave out contract paths containing this.")
    parser.add_argument(
        "--kind",
        default="",
        help="Only these kinds (comma-separated: assert, nonreentrant, "
        + ", ".join(ARITHMETIC_KINDS)
        + ").",
    )
    parser.add_argument("--match", default="", help="Only mutants whose name matches this regex.")
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="Run a random sample of this many mutants per contract file, drawn with --seed "
        "from those in money or verdict paths first (a whole file takes hours).",
    )
    parser.add_argument("--seed", type=int, default=0, help="Seed of the --sample draw.")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=1200, help="Seconds per mutant.")
    parser.add_argument(
        "--keep-going", action="store_true", help="Run every test of a mutant (no pytest -x)."
    )
    parser.add_argument("--list", action="store_true", help="List the mutants; run nothing.")
    args = parser.parse_args()

    every = sorted(
        p.relative_to(ROOT)
        for p in [*(ROOT / "contracts").rglob("*.vy"), *(ROOT / TEMPLATES).glob("*.j2")]
        if not generated(p.relative_to(ROOT))
    )
    todo = mutants(_filtered(args), every)
    if args.kind:
        kinds = {k.strip() for k in args.kind.split(",")}
        todo = [m for m in todo if m.kind in kinds]
    if args.match:
        todo = [m for m in todo if re.search(args.match, m.name)]
    equivalent = [m for m in todo if m.equivalent()]
    todo = [m for m in todo if not m.equivalent()]
    if args.sample:
        todo = sampled(todo, args.sample, args.seed)
    if args.list:
        for rel in dict.fromkeys(m.path for m in todo):
            t = tests_for(rel)
            print(f"# {rel}: {' '.join(t.files) or 'NO TESTS'}" + (f" -k {t.k!r}" if t.k else ""))
            for m in (m for m in todo if m.path == rel):
                mark = "path" if m.in_path else "    "
                print(f"{mark} {m.name}: {m.text}")
        for m in equivalent:
            print(f"equivalent {m.name}: {m.equivalent()}")
        counts = defaultdict(int)
        for m in todo:
            counts[m.kind] += 1
        print(f"{len(todo)} mutants ({', '.join(f'{k} {n}' for k, n in sorted(counts.items()))})")
        return 0
    if not APE.exists():
        print("error: no .venv; run 'make setup' first", file=sys.stderr)
        return 1
    untested = sorted({str(m.path) for m in todo if not tests_for(m.path).files})
    if untested:
        print(f"error: no tests mapped for {', '.join(untested)}", file=sys.stderr)
        return 1

    first = scratch_copy()
    copies = [first] + [scratch_copy(like=first) for _ in range(max(1, args.jobs) - 1)]
    free = list(copies)
    results: list[tuple[Mutant, bool]] = []
    started = time.monotonic()

    def one(m: Mutant) -> None:
        copy = free.pop()
        try:
            target = copy / m.path
            original = target.read_text()
            target.write_text(m.apply(original))
            try:
                if is_template(m.path):  # the deployables the mutated template changes
                    using = regenerate(copy)
                elif m.path.parent == Path("contracts"):
                    using = [str(m.path)]
                else:
                    using = deployables_using(m.path)
                failed = compile_in(copy, using)
                if failed:
                    survived, last = False, f"does not compile: {failed}"
                else:
                    survived, last = run_tests(
                        copy, tests_for(m.path), args.timeout, args.keep_going
                    )
            finally:
                target.write_text(original)
                if is_template(m.path):
                    regenerate(copy)
                shutil.copy2(copy / PRISTINE, copy / MANIFEST)
            verdict = "SURVIVED" if survived else "killed"
            print(f"{verdict:8} {m.name}: {m.text[:60]}  [{last[:80]}]", flush=True)
            results.append((m, survived))
        finally:
            free.append(copy)

    try:
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            list(pool.map(one, todo))
    finally:
        for c in copies:
            shutil.rmtree(c, ignore_errors=True)
    minutes = (time.monotonic() - started) / 60
    return report(results, equivalent, minutes)


def report(results: list[tuple[Mutant, bool]], equivalent: list[Mutant], minutes: float) -> int:
    """Print killed/total per contract and every survivor; non-zero if one fails the run."""
    print(f"\n{'contract':42} {'killed':>7} {'total':>6}  {'in paths':>12}  equivalent")
    per: dict[Path, list[tuple[Mutant, bool]]] = defaultdict(list)
    for m, survived in results:
        per[m.path].append((m, survived))
    for rel, rows in sorted(per.items()):
        killed = sum(not s for _, s in rows)
        path_rows = [(m, s) for m, s in rows if m.in_path]
        path_killed = sum(not s for _, s in path_rows)
        eq = sum(m.path == rel for m in equivalent)
        print(
            f"{str(rel):42} {killed:>7} {len(rows):>6}  {path_killed:>5}/{len(path_rows):<6}  {eq}"
        )
    total_killed = sum(not s for _, s in results)
    print(f"{len(results)} mutants, {total_killed} killed in {minutes:.0f} min")
    survivors = [m for m, s in results if s]
    bad = [m for m in survivors if m.fails_the_run()]
    for m in survivors:
        mark = "MONEY/VERDICT" if m.fails_the_run() else "to judge"
        print(f"survivor ({mark}) {m.name}: {m.text}")
    if bad:
        print(f"error: {len(bad)} survivors in money or verdict paths", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
