"""The hub page in headless Chromium: models found through a ModelHub with no manifest of
their own, each one's accuracy records as rows and as points on the chart, its pool, periods
and payouts (read from the HubPool its record names), the link from the models list, and an
entry whose code is not the kind its hub claims (a hub deployed with a lying kind list) shown
as refused."""

import json

import pytest
from web_helpers import advance

from sharedmodels.hub import driver
from sharedmodels.hub.kinds import STAKE, HubKind, hub_kinds
from sharedmodels.hub.rules import TestSet
from sharedmodels.runs.web import Server
from sharedmodels.trainers.client import scan

DAY = 86_400
POS, NEG = 7, 9


def eth(wei: int) -> str:
    """An amount as the page writes it (tests/browser/test_web.py's rule)."""
    whole, frac = divmod(wei, 10**18)
    digits = f"{frac:018d}"[:6].rstrip("0")
    return f"{whole}.{digits} ETH" if digits else f"{whole} ETH"


def make_set(n, start):
    rows = [sorted([POS if k % 2 else NEG, 100 + k]) for k in range(start, start + n)]
    return TestSet.make(rows, [k % 2 for k in range(start, start + n)], dense=False, piece=8)


def reveal(hub, ids_sets, who, model):
    for i, s in ids_sets:
        driver.reveal(hub, i, s, who, model)


@pytest.fixture(scope="module")
def hub_world(accounts, project, chain, tmp_path_factory):
    """A hub with a trainer that improved over a period and paid its pool out, and a second
    hub whose kind list calls PerceptronStake's code "NaiveBayesStake"; their records in a
    folder of their own for the page's server."""
    owner, evaluator, alice, undo, redo = (
        accounts[0],
        accounts[1],
        accounts[2],
        accounts[3],
        accounts[4],
    )
    kinds = hub_kinds(project)
    hub, pool = driver.deploy_hub_and_pool(
        project, owner, kinds, reveal_delay=DAY, min_pool_samples=8
    )
    args = [2**12, 1, "neg", "pos", '{"n_features":4096}', 60, 120, 240, 10**15, False]
    trainer = project.PerceptronStake.deploy(*args, sender=owner)
    trainer.seal(sender=owner)
    k = driver.detect_kind(hub, chain.provider, trainer.address)
    hub.register(trainer, k, "topic perceptron", "demo://topics", sender=owner)
    sets = [make_set(16, 0), make_set(16, 16), make_set(16, 32)]
    ids = [driver.commit(hub, trainer.address, s, evaluator, chain.chain_id) for s in sets]
    pool.fund(trainer, evaluator, value=10**18, sender=owner)
    advance(DAY)
    reveal(hub, [(ids[0], sets[0])], evaluator, trainer)
    pool.close_period(trainer, ids[0], sender=evaluator)
    start = chain.blocks.head.number
    for who, x, y in (
        (alice, [POS, 300], 1),
        (alice, [NEG, 301], 0),
        (undo, [NEG, 500], 1),
        (redo, [NEG, 500], 0),
    ):
        trainer.addData(x, y, value=trainer.next_deposit(), sender=who)
    advance(60)
    for c in scan(trainer, start):  # an undo pair: the second half is refunded like alice's
        if c.contributor in (alice.address, redo.address):
            trainer.refund(c.key(), list(c.features), sender=c.contributor)
    advance(2 * DAY)
    reveal(hub, [(ids[1], sets[1])], evaluator, trainer)
    pool.close_period(trainer, ids[1], sender=evaluator)
    history = scan(trainer, start)
    driver.enter_eligible(
        hub, pool, trainer, 0, history=history, test_set=sets[1], sender=evaluator
    )
    # The pair's owner spends the undo on alice's NEG step first; the keeper hands that cut on
    # to the redo: two lines on the page, a cancellation and a moved cut.
    (_, step), (u,), (r,) = (history.by(w.address) for w in (alice, undo, redo))
    test = [t.as_tuple() for t in driver.scored_test(hub, ids[1], sets[1], trainer.n_features())]
    first = pool.cancel(
        trainer, 0, (step.key(), step.args()), (u.key(), u.args()), test, sender=undo
    ).return_value
    cuts = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=sets[1], sender=evaluator
    )
    advance(7 * DAY + 1)
    paid = driver.claim_all(pool, trainer.address, alice, chain.pending_timestamp)
    # A set pinned twice (a flood made its first pin useless): its record is in the history,
    # marked, and pays no pool.
    hub.pin(ids[2], sender=evaluator)
    hub.pin(ids[2], sender=evaluator)
    reveal(hub, [(ids[2], sets[2])], evaluator, trainer)
    # A hub that lies about a kind: the page must not trust its entry.
    real = next(x for x in kinds if x.name == "PerceptronStake")
    liar = driver.deploy_hub(
        project, owner, [HubKind("NaiveBayesStake", real.code_hash, real.code_size, 1, STAKE)]
    )
    other = project.PerceptronStake.deploy(*args, sender=owner)
    liar.register(other, 0, "claims naive bayes", "", sender=owner)
    folder = tmp_path_factory.mktemp("hub-records")
    for name, h, p in (("a_liar", liar, None), ("b_hub", hub, pool)):
        record = {"address": h.address, "contract": "ModelHub", "chain_id": chain.chain_id}
        if p is not None:
            record["pool"] = p.address  # the liar's record names no pool contract
        (folder / f"{name}.json").write_text(json.dumps(record))
    return {
        "hub": hub,
        "pool": pool,
        "liar": liar,
        "trainer": trainer,
        "paid": paid,
        "folder": folder,
        "records": driver.history(hub, trainer.address),
        "evaluator": evaluator.address,
        "cuts": cuts,
        "first": first,
        "ids": (step.id, u.id, r.id),
        "alice": alice.address,
        "redo": redo.address,
    }


@pytest.fixture(scope="module")
def hub_server(dist, hub_world):
    from ape import chain

    srv = Server(chain.provider.uri, port=0, dist=dist, dirs=[hub_world["folder"]])
    srv.start()
    yield srv
    srv.stop()


def test_hub_page_lists_models_with_history_pool_and_payouts(context, hub_server, hub_world, shot):
    page = context.new_page()
    page.goto(hub_server.url)
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.click("[data-testid=hub-link]")  # the latest hub record: the honest one
    page.wait_for_selector("[data-testid=hub-row]")
    page.wait_for_function("document.body.dataset.ready === '1'")
    trainer = hub_world["trainer"]
    row = page.locator(f"[data-testid=hub-row][data-address='{trainer.address}']")
    records = hub_world["records"]
    assert [r.pins for r in records] == [1, 1, 2] and records[1].correct > records[0].correct
    accuracy = row.locator("[data-testid=hub-accuracy]").inner_text()
    assert f"{records[0].correct}/16 → {records[1].correct}/16 → {records[2].correct}/16" in (
        accuracy
    )
    listed = page.locator("li", has_text="correct at block").all_inner_texts()
    assert [("pinned 2 times" in t) for t in listed] == [False, False, True], listed
    assert "it pays no pool" in listed[2]
    [(_, wei)] = hub_world["paid"]
    pool = hub_world["pool"]
    left = pool.pools(trainer, hub_world["evaluator"]).available
    assert left + wei == 10**18
    assert row.locator("[data-testid=hub-pool]").inner_text() == eth(left)
    assert row.locator("[data-testid=hub-paid]").inner_text() == eth(wei)
    assert page.locator("[data-testid=hub-point]").count() == 3
    assert "got" in page.locator("[data-testid=hub-payouts]").inner_text()
    periods = page.locator("[data-testid=hub-periods]").inner_text()
    assert "released" in periods and hub_world["evaluator"] in periods
    pools = page.locator("[data-testid=hub-pools]").inner_text()
    assert f"pool closed by {hub_world['evaluator']}'s records: {eth(left)}" in pools
    lines = page.locator("[data-testid=hub-cancellations] li").all_inner_texts()
    step, u, r = hub_world["ids"]
    n = hub_world["first"]
    assert hub_world["cuts"] == [(r, step, 0)] and n > 0  # the move: n back, n cut
    assert lines == [
        f"period 0: entry #{step} ({hub_world['alice']}) cut by {n} shares, undone by step #{u}",
        f"period 0: the cut of entry #{step} moved to entry #{r} ({hub_world['redo']}): "
        f"{n} shares back to #{step}, {n} cut from #{r}",
    ]
    shot(page, "hub")


def test_hub_page_refuses_an_entry_whose_code_is_not_its_kind(context, hub_server, hub_world):
    page = context.new_page()
    page.goto(f"{hub_server.url}#/hub/{hub_world['liar'].address}")
    page.wait_for_selector("[data-testid=hub-row]")
    text = page.locator("[data-testid=hub-row]").inner_text()
    assert "refused" in text and "PerceptronStake, not the NaiveBayesStake" in text
    assert page.locator("[data-testid=hub-point]").count() == 0
    assert "its record names no pool contract" in page.locator("#app").inner_text()
