"""Unit tests of SparsePerceptron: prediction, training rule, upload, access, every revert."""

import ape
import pytest
from conftest import reverts_without_reason

from sharedmodels.encoding.features import MAX_FEATURES, Encoder
from sharedmodels.encoding.packed import pack
from sharedmodels.mirrors.perceptron import (
    DECAY_UNITS,
    IntPerceptron,
    intercept_step,
    round_to_double,
)
from sharedmodels.rpc.deployments import encoder_descriptor, encoder_from_descriptor

SMALL_N = 2**12  # the `model` fixture's n_features (tests/conftest.py)

ONE = 2**59
#: The largest |weight| a 16-bit lane holds; -(LANE + 1) is the lane's escape value.
LANE = 2**15 - 1


def trained(receipt, contract):
    (log,) = receipt.decode_logs(contract.ModelTrained)
    return log


# ---------------------------------------------------------------- construction


def test_constructor_state(deploy_model, owner):
    m = deploy_model(n_features=1000, eta=3, class_names=("bad", "good"))
    assert m.owner() == owner
    assert m.n_features() == 1000
    assert m.learning_rate() == 3
    assert m.intercept_step() == intercept_step(3)
    assert m.class_names(0) == "bad" and m.class_names(1) == "good"
    assert m.intercept() == 0 and not m.sealed() and m.update_count() == 0
    assert encoder_from_descriptor(m.encoder()) == Encoder(n_features=1000)


@pytest.mark.parametrize("n", [0, 2**32 + 1])
def test_constructor_rejects_n_features(container, deployer, n):
    with ape.reverts("perceptron: n_features out of range"):
        container.deploy(n, 1, "a", "b", "{}", sender=deployer)


@pytest.mark.parametrize("eta", [0, 2**16])
def test_constructor_rejects_learning_rate(container, deployer, eta):
    with ape.reverts("perceptron: learning rate out of range"):
        container.deploy(16, eta, "a", "b", "{}", sender=deployer)


def test_encoder_descriptor_round_trip():
    enc = Encoder(n_features=2**20, max_features=300, overflow="skip")
    assert encoder_from_descriptor(encoder_descriptor(enc)) == enc


# ---------------------------------------------------------------- prediction


def test_untrained_model_predicts_class_zero(model):
    assert model.predict([]) == 0
    assert model.predict([1, 2, 3]) == 0
    assert model.score([5]) == 0


def test_predict_is_strictly_positive_rule(deploy_model):
    m = deploy_model(weights={1: 2, 2: -2, 3: 1})
    assert m.predict([1, 2]) == 0  # score exactly 0 -> class 0
    assert m.score([1, 2]) == 0
    assert m.predict([1, 3]) == 1
    assert m.predict([2]) == 0
    assert m.score([1, 3]) == 3 * ONE


def test_predict_rejects_unsorted(model):
    with ape.reverts("perceptron: features not sorted and unique"):
        model.predict([3, 2])


def test_predict_rejects_duplicates(model):
    with ape.reverts("perceptron: features not sorted and unique"):
        model.predict([2, 2])


def test_predict_rejects_out_of_range(deploy_model):
    m = deploy_model(n_features=100)
    assert m.predict([99]) == 0
    with ape.reverts("perceptron: feature index out of range"):
        m.predict([5, 100])


def test_predict_accepts_max_features_and_rejects_more(deploy_model):
    m = deploy_model(n_features=2**20)
    row = list(range(0, 2 * MAX_FEATURES, 2))
    assert len(row) == MAX_FEATURES
    words = pack(row, 2**20)  # eight 32-bit indices a word: the 64 words of MAX_WORDS
    assert len(words) == 64
    assert m.predict(words) == 0
    # One word more than the DynArray bound fails ABI decoding (no reason string can be given
    # there); clients refuse such input earlier with a message (see test_features).
    with reverts_without_reason():
        m.predict(words + [2 * MAX_FEATURES + 1])


# ---------------------------------------------------------------- training


def test_mistake_updates_weights_and_intercept(model, owner):
    receipt = model.update([3, 7], 1, sender=owner)
    log = trained(receipt, model)
    assert (log.label, log.prediction, log.changed) == (1, 0, True)
    assert model.weights(3) == 1 and model.weights(7) == 1
    assert model.intercept() == DECAY_UNITS
    assert model.update_count() == 1


def test_tie_is_a_mistake_for_both_labels(model, owner):
    # Untrained: score 0. Label 0 is "predicted" (class 0) but y*score == 0 is still a mistake.
    log = trained(model.update([4], 0, sender=owner), model)
    assert (log.prediction, log.changed) == (0, True)
    assert model.weights(4) == -1
    assert model.intercept() == -DECAY_UNITS


def test_correct_prediction_changes_nothing(deploy_model, owner):
    m = deploy_model(weights={5: 2})
    log = trained(m.update([5], 1, sender=owner), m)
    assert (log.prediction, log.changed) == (1, False)
    assert m.weights(5) == 2 and m.intercept() == 0 and m.update_count() == 0


def test_learning_rate_scales_update(deploy_model, owner):
    m = deploy_model(eta=7)
    m.update([1], 1, sender=owner)
    assert m.weights(1) == 7
    assert m.intercept() == round_to_double(7 * DECAY_UNITS)


def test_intercept_rounds_like_float64(deploy_model, owner):
    # Start from a large intercept (0.1 * 2**20 ~ 1e5) so each step must be rounded.
    start = round_to_double(10**5 * ONE + 12345)
    m = deploy_model(intercept=start)
    ref = IntPerceptron(2**12)
    ref.intercept = start
    for label in (0, 0, 1, 0):
        m.update([], label, sender=owner)
        ref.update([], label)
        assert m.intercept() == ref.intercept
    assert abs(m.intercept()).bit_length() > 53  # rounding was exercised


def test_update_rejects_bad_label(model, owner):
    with ape.reverts("perceptron: label out of range"):
        model.update([1], 2, sender=owner)


def test_update_rejects_bad_features(model, owner):
    with ape.reverts("perceptron: features not sorted and unique"):
        model.update([2, 1], 1, sender=owner)
    with ape.reverts("perceptron: feature index out of range"):
        model.update([2**12], 1, sender=owner)
    assert model.update_count() == 0 and not model.sealed()


def test_update_is_owner_only(model, mallory):
    with ape.reverts("ownable: caller is not the owner"):
        model.update([1], 1, sender=mallory)


# ---------------------------------------------------------------- upload


def test_upload_in_chunks_then_seal(model, owner):
    receipt = model.upload_weights([1, 5, 9], [3, -4, 5], sender=owner)
    (log,) = receipt.decode_logs(model.WeightsUploaded)
    assert (log.count, log.first_index, log.last_index) == (3, 1, 9)
    model.upload_weights([10], [-1], sender=owner)
    model.upload_intercept(round_to_double(-3 * DECAY_UNITS), sender=owner)
    assert model.weights_of([1, 5, 9, 10, 11]) == [3, -4, 5, -1, 0]
    assert model.intercept() == round_to_double(-3 * DECAY_UNITS)
    receipt = model.seal(sender=owner)
    assert len(list(receipt.decode_logs(model.UploadSealed))) == 1
    assert model.sealed()
    with ape.reverts("perceptron: upload sealed"):
        model.upload_weights([2], [1], sender=owner)
    with ape.reverts("perceptron: upload sealed"):
        model.upload_intercept(0, sender=owner)
    with ape.reverts("perceptron: upload sealed"):
        model.seal(sender=owner)


def test_first_update_seals(model, owner):
    model.update([1], 1, sender=owner)
    assert model.sealed()
    with ape.reverts("perceptron: upload sealed"):
        model.upload_weights([2], [1], sender=owner)


def test_upload_rejects_bad_input(model, owner):
    with ape.reverts("perceptron: length mismatch"):
        model.upload_weights([1, 2], [1], sender=owner)
    with ape.reverts("perceptron: empty upload"):
        model.upload_weights([], [], sender=owner)
    with ape.reverts("perceptron: feature index out of range"):
        model.upload_weights([1, 2**12], [1, 1], sender=owner)
    with ape.reverts("perceptron: intercept not a float64"):
        model.upload_intercept(2**53 + 1, sender=owner)
    assert model.weights(1) == 0


def test_upload_is_owner_only(model, mallory):
    with ape.reverts("ownable: caller is not the owner"):
        model.upload_weights([1], [1], sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        model.upload_intercept(0, sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        model.seal(sender=mallory)


# ---------------------------------------------------------------- ownership


def test_transfer_ownership(model, owner, alice, mallory):
    with ape.reverts("ownable: caller is not the owner"):
        model.transfer_ownership(mallory, sender=mallory)
    with ape.reverts("ownable: new owner is the zero address"):
        model.transfer_ownership("0x" + "00" * 20, sender=owner)
    receipt = model.transfer_ownership(alice, sender=owner)
    (log,) = receipt.decode_logs(model.OwnershipTransferred)
    assert log.previous_owner == owner and log.new_owner == alice
    model.update([1], 1, sender=alice)
    with ape.reverts("ownable: caller is not the owner"):
        model.update([1], 1, sender=owner)


def test_renounce_ownership_closes_training(model, owner):
    model.renounce_ownership(sender=owner)
    assert model.owner() == "0x" + "00" * 20
    with ape.reverts("ownable: caller is not the owner"):
        model.update([1], 1, sender=owner)
    with ape.reverts("ownable: caller is not the owner"):
        model.renounce_ownership(sender=owner)


@pytest.mark.parametrize("value", [2**191, -(2**191) - 2**139, 2**200])
def test_upload_intercept_out_of_range(model, owner, value):
    """The intercept shares a slot with the update counter and the seal flag: it is an int192."""
    assert round_to_double(abs(value)) == abs(value)  # a float64 value, so only the range fails
    with ape.reverts("perceptron: intercept out of range"):
        model.upload_intercept(value, sender=owner)


def test_largest_intercept_round_trips(model, owner):
    value = -(2**191)
    model.upload_intercept(value, sender=owner)
    assert model.intercept() == value and not model.sealed() and model.update_count() == 0


# ---------------------------------------------------------------- packed weights


def test_largest_learning_rate_is_accepted(deploy_model):
    assert deploy_model(eta=2**16 - 1).learning_rate() == 2**16 - 1


def test_packed_weights_read_back_one_by_one(model, owner):
    """Sixteen 16-bit lanes share a slot; a weight outside [-32767, 32767] is stored behind the
    escape: every lane, sign, lane edge and extreme reads back unchanged."""
    values = [2**39 - 1, -(2**39), -1, 0, 1, 12345, -24321, 7, -7, 2**38, -(2**38), 99]
    values += [LANE, -LANE, LANE + 1, -LANE - 1, -LANE - 2, 2**15, 2**16, -(2**16), 5, -5]
    indices = list(range(len(values)))  # slots 0 and 1: all sixteen lanes of slot 0
    model.upload_weights(indices, values, sender=owner)
    assert [model.weights(j) for j in indices] == values
    assert list(model.weights_of(indices)) == values


@pytest.mark.parametrize("value", [2**39, -(2**39) - 1])
def test_upload_weight_out_of_range(model, owner, value):
    with ape.reverts("perceptron: weight out of range"):
        model.upload_weights([5], [value], sender=owner)


def test_update_changes_only_its_lanes(model, owner):
    neighbours = {0: 3, 1: -4, 2: 5, 3: -6, 4: 7, 5: -8, 6: 9}
    model.upload_weights(list(neighbours), list(neighbours.values()), sender=owner)
    model.update([1, 4], 1, sender=owner)  # score (-4 + 7) > 0 agrees: no change
    model.update([1, 4], 0, sender=owner)  # a mistake: both move by -1, nothing else
    expected = {**neighbours, 1: -5, 4: 6}
    assert {j: model.weights(j) for j in neighbours} == expected


def test_update_past_the_weight_range_reverts(model, owner):
    model.upload_weights([0, 1], [2**39 - 1, -(2**39)], sender=owner)
    with ape.reverts("perceptron: weight out of range"):
        model.update([0, 1], 1, sender=owner)  # score -1 < 0, label 1: weight 0 would be 2**39
    assert model.weights(0) == 2**39 - 1 and model.update_count() == 0


# ---------------------------------------------------------------- lanes and the escape


@pytest.mark.parametrize("start, label", [(LANE, 1), (-LANE, 0)])
def test_update_across_the_lane_edge_and_back(model, owner, start, label):
    """A weight leaving its lane (32767 + 1, or -32767 - 1, the escape value itself) moves to
    the wide slot exactly, its neighbours keep their lanes, and it comes back into its lane
    when it returns; each step matches the integer mirror."""
    neighbours = {j: (-1) ** j * (j + 2) for j in range(16)}  # all of slot 0
    neighbours[3] = start
    model.upload_weights(list(neighbours), list(neighbours.values()), sender=owner)
    mirror = IntPerceptron(SMALL_N, 1)
    mirror.weights = dict(neighbours)
    # The sample [3] scores `start`: wrong for the other label, right for `label`.
    for y in (1 - label, label, 1 - label, 1 - label, label, label, label):
        row = [3]
        before, _ = mirror.update(row, y)
        assert trained(model.update(row, y, sender=owner), model).prediction == before
        assert list(model.weights_of(list(range(18)))) == [
            mirror.weights.get(j, 0) for j in range(18)
        ]


def test_escaped_weights_score_and_update_together(deploy_model, owner):
    """Samples mixing lane weights and escaped weights (large and small rates), several per
    slot, against the integer mirror: predictions, scores and every weight."""
    m = deploy_model(eta=40_000)
    mirror = IntPerceptron(SMALL_N, 40_000)
    start = {0: LANE, 1: -LANE - 1, 2: 2**20, 15: -(2**30), 16: 1, 17: -LANE, 40: 7}
    m.upload_weights(list(start), list(start.values()), sender=owner)
    mirror.weights = dict(start)
    rows = [[0, 1, 2], [0, 15, 16, 17], [1, 16, 40], [0, 1, 2, 15, 16, 17, 40], [17], [2, 40]]
    for i in range(24):
        row, y = rows[i % len(rows)], (i * 7 // 3) % 2
        assert m.score(row) == mirror.score(row)
        before, _ = mirror.update(row, y)
        assert trained(m.update(row, y, sender=owner), m).prediction == before
    keys = sorted({j for r in rows for j in r} | {3, 14, 18, 41})
    assert list(m.weights_of(keys)) == [mirror.weights.get(j, 0) for j in keys]
    assert m.intercept() == mirror.intercept


def test_weight_of_an_index_beyond_any_model_is_zero(model):
    assert model.weights(2**32) == 0 and model.weights(2**256 - 1) == 0


# ---------------------------------------------------------------- packed input


def test_packed_and_plain_input_read_alike(deploy_model, owner):
    """Sixteen 16-bit indices per word (or eight 32-bit ones above 2**16 features) and one index
    per word are the same sample: same score, same training, index 0 first included."""
    for n_features in (SMALL_N, 2**20):
        m = deploy_model(n_features=n_features)
        mirror = IntPerceptron(n_features, 1)
        rows = [[0, 3, 17, 40], list(range(5, 200, 7)), [n_features - 1], [], [0]]
        for i, row in enumerate(rows):
            words = pack(row, n_features)
            assert m.score(words) == m.score(row) == mirror.score(row)
            before, _ = mirror.update(row, i % 2)
            x = words if i % 2 else row
            assert trained(m.update(x, i % 2, sender=owner), m).prediction == before
        touched = sorted({j for r in rows for j in r})
        assert list(m.weights_of(touched)) == [mirror.weights.get(j, 0) for j in touched]


@pytest.mark.parametrize(
    "words, reason",
    [
        ([5, 0], "perceptron: bad packed features"),  # an empty word
        ([5 | 7 << 32], "perceptron: bad packed features"),  # a zero lane below an index
        ([7 | 3 << 16], "perceptron: features not sorted and unique"),
        ([7, 7], "perceptron: features not sorted and unique"),
        ([5 | 2**12 << 16], "perceptron: feature index out of range"),
    ],
)
def test_bad_packed_input_reverts(model, owner, words, reason):
    with ape.reverts(reason):
        model.predict(words)
    with ape.reverts(reason):
        model.update(words, 1, sender=owner)


# ---------------------------------------------------------------- the lane-wise step

#: A slot's selected lanes move in one word operation when each holds a weight in
#: [-FAST, FAST) and the step is below FAST; otherwise that slot goes lane by lane.
FAST = 2**14


@pytest.mark.parametrize(
    "eta, start, label",
    [
        (FAST - 1, FAST - 1, 1),  # lane-wise: 16383 + 16383 = 32766, in the lane
        (FAST - 1, -FAST, 0),  # lane-wise: -16384 - 16383 = -32767, the lane's least
        (FAST, -FAST, 0),  # a step of 2**14 goes lane by lane: -32768 leaves the lane
        (FAST, FAST - 1, 1),  # lane by lane: 32767, the lane's largest
        (FAST - 1, FAST, 1),  # 16384 is outside the lane-wise range: 32767 by lanes
        (FAST - 1, -FAST - 1, 0),  # -16385 - 16383 = -32768: wide
        (FAST - 1, 20_000, 1),  # outside the lane-wise range, and 36383 leaves the lane
        (FAST - 1, -20_000, 0),  # -36383: wide
        (1, -1, 1),  # -1 + 1: a carry out of the lane if added to the word as it is
        (1, 0, 0),  # 0 - 1: a borrow from the lane above
        (2**16 - 1, 7, 0),  # the largest rate: lane by lane, wide
    ],
)
def test_lane_wise_step_at_its_edges(deploy_model, owner, eta, start, label):
    """The weight under test sits in the lowest and the top lane of a full slot (the top one's
    step is the word's highest bits), its neighbours alternate -1 and +1 (every lane's borrow or
    carry would show); the intercept makes the sample a mistake for `label`. Every weight of
    the slot and of the ones beside it, the score and the intercept match the integer mirror
    after the step and after a second sample scores the result."""
    weights = {j: (-1) ** j for j in range(16, 32)}
    weights[16] = weights[31] = start
    row = list(range(16, 32))
    total = sum(weights.values())
    intercept = (-(total + 1) if label == 1 else -(total - 1)) * ONE
    m = deploy_model(eta=eta, weights=weights, intercept=intercept)
    mirror = IntPerceptron(SMALL_N, eta)
    mirror.weights, mirror.intercept = dict(weights), intercept
    assert m.score(row) == mirror.score(row)
    before, changed = mirror.update(row, label)
    assert changed
    assert trained(m.update(row, label, sender=owner), m).prediction == before
    every = list(range(48))
    assert list(m.weights_of(every)) == [mirror.weights.get(j, 0) for j in every]
    assert m.intercept() == mirror.intercept
    for probe in ([16], [31], [17, 30], row):
        assert m.score(probe) == mirror.score(probe)


def test_wide_flag_set_by_an_update_keeps_scores_exact(deploy_model, owner):
    """No weight starts wide, so scoring skips the escape test; the first update that stores a
    weight wide must switch scoring back to it (the weight reads 32768, not the escape -32768),
    and the update count stays exact beside the flag."""
    m = deploy_model(weights={3: LANE, 4: 5})
    mirror = IntPerceptron(SMALL_N, 1)
    m.upload_intercept(-(LANE + 6) * ONE, sender=owner)
    mirror.weights, mirror.intercept = {3: LANE, 4: 5}, -(LANE + 6) * ONE
    changes = 0
    for row, y in (([3, 4], 1), ([3], 1), ([3, 4], 0), ([3, 9], 1)):
        assert m.score(row) == mirror.score(row)
        _, changed = mirror.update(row, y)
        changes += changed
        m.update(row, y, sender=owner)
        assert m.weights(3) == mirror.weights[3]
        assert m.score([3]) == mirror.score([3]) and m.score([3, 4]) == mirror.score([3, 4])
    assert mirror.weights[3] > LANE and changes >= 2
    assert m.update_count() == changes


def test_lane_wise_step_with_wide_lanes_of_32_bits(deploy_model, owner):
    """Above 2**16 features a word carries eight 32-bit indices: the update pass ends each word
    where what is left of it is zero; a sample over several words and slots, index 0 first, and
    a lone index in its own word, against the mirror."""
    n = 2**20
    m = deploy_model(n_features=n, eta=3)
    mirror = IntPerceptron(n, 3)
    rows = [[0] + list(range(15, 15 + 9 * 13, 13)), [n - 16, n - 1], [0], list(range(1, 9))]
    for i, row in enumerate(rows):
        x = pack(row, n)
        assert m.score(x) == mirror.score(row)
        before, _ = mirror.update(row, i % 2)
        assert trained(m.update(x, i % 2, sender=owner), m).prediction == before
    touched = sorted({j for r in rows for j in r} | {1, 14, n - 2})
    assert list(m.weights_of(touched)) == [mirror.weights.get(j, 0) for j in touched]


# ---------------------------------------------------------------- full words


def _word(lanes):
    """One packed word with these 16-bit lanes, lowest first."""
    return sum(j << (16 * i) for i, j in enumerate(lanes))


def test_full_words_score_like_the_mirror(deploy_model, owner):
    """A word of sixteen 16-bit indices is checked at once and scored without a test per lane:
    index 0 first, consecutive full words (the second starts right at the least index it may),
    spaced and random indices, the model's last index, the largest 16-bit lane (n = 2**16), a
    full word mixed with partial ones; each scores as the plain array and the integer mirror
    do, and trains the same."""
    for n in (SMALL_N, 2**16):
        spread = sorted({(j * 2654435761) % n for j in range(100)})
        weights = {j: (j * 7919) % 601 - 300 for j in list(range(0, 160)) + spread}
        weights.update({j: (-1) ** j * (LANE - j % 5) for j in range(n - 40, n)})
        m = deploy_model(n_features=n, weights=weights)
        mirror = IntPerceptron(n, 1)
        mirror.weights = dict(weights)
        rows = [
            list(range(16)),
            list(range(32)),
            list(range(3, 3 + 16 * 9, 9)),
            spread,
            list(range(n - 16, n)),
            list(range(n - 37, n)),
            [1, 2] + list(range(40, 56)) + [n - 1],
        ]
        for i, row in enumerate(rows):
            words = pack(row, n)
            assert m.score(words) == mirror.score(row)
            if len(row) <= 64:  # the plain array's bound
                assert m.score(row) == mirror.score(row)
            before, _ = mirror.update(row, i % 2)
            assert trained(m.update(words, i % 2, sender=owner), m).prediction == before
        touched = sorted({j for r in rows for j in r})
        assert list(m.weights_of(touched)) == [mirror.weights.get(j, 0) for j in touched]


def test_full_words_change_slot_at_every_lane(deploy_model):
    """A full word whose lanes below p lie in one weight slot and the rest in the next, for
    each p from 1 to 15; a word with a new slot at every lane; and a word that goes on in the
    slot the word before it ended in. Every weight differs from its neighbours."""
    weights = {j: (j * 37) % 199 - 99 for j in range(300)}
    m = deploy_model(weights=weights)
    mirror = IntPerceptron(SMALL_N, 1)
    mirror.weights = dict(weights)
    rows = [[16 + i for i in range(p)] + [32 + i for i in range(16 - p)] for p in range(1, 16)]
    rows += [[17 * i for i in range(16)], list(range(8, 40))]
    for row in rows:
        words = pack(row, SMALL_N)
        assert words[0] >> 240 != 0
        assert m.score(words) == mirror.score(row), row


def test_full_words_with_a_wide_weight_read_it(deploy_model):
    """With a weight stored wide (behind the escape) every word goes through the lane loop and
    its test for the escape: a full word holding escaped weights scores exactly."""
    start = {3: 2**20, 5: -LANE - 1, 6: LANE, 17: -(2**30), 20: 9}
    m = deploy_model(weights=start)
    mirror = IntPerceptron(SMALL_N, 1)
    mirror.weights = dict(start)
    for row in (list(range(16)), list(range(5, 21)), list(range(2, 34, 2))):
        assert m.score(pack(row, SMALL_N)) == mirror.score(row)


def test_top_lanes_of_32_bits_are_not_a_full_word(deploy_model, owner):
    """Above 2**16 features a word holds eight 32-bit lanes; one whose top index is at least
    2**16 has non-zero top 16 bits but is not sixteen 16-bit indices, even when its 16-bit
    halves happen to increase (the last row: read as 16-bit lanes they would be 0 to 15)."""
    n = 2**20
    halves = [2 * i + (2 * i + 1) * 2**16 for i in range(8)]
    start = {2**16 + 3 * i: i - 4 for i in range(8)} | {5: 2} | {j: 7 for j in halves}
    m = deploy_model(n_features=n, weights=start)
    mirror = IntPerceptron(n, 1)
    mirror.weights = dict(start)
    rows = ([2**16 + 3 * i for i in range(8)], [5] + [2**16 + 3 * i for i in range(8)], halves)
    for i, row in enumerate(rows):
        x = pack(row, n)
        assert x[0] >> 240 != 0 or x[-1] >> 240 != 0
        assert m.score(x) == mirror.score(row)
        before, _ = mirror.update(row, i % 2)
        assert trained(m.update(x, i % 2, sender=owner), m).prediction == before
    assert m.weights(2**16 + 21) == mirror.weights[2**16 + 21]
    assert list(m.weights_of(halves)) == [mirror.weights[j] for j in halves]


_FULL = list(range(100, 100 + 16 * 5, 5))


def _with(lane, value, lanes=_FULL):
    out = list(lanes)
    out[lane] = value
    return out


@pytest.mark.parametrize(
    "words, reason",
    [
        # Equal neighbours in an even pair, an odd pair, the top odd pair and the top pair.
        ([_word(_with(1, _FULL[0]))], "perceptron: features not sorted and unique"),
        ([_word(_with(2, _FULL[1]))], "perceptron: features not sorted and unique"),
        ([_word(_with(14, _FULL[13]))], "perceptron: features not sorted and unique"),
        ([_word(_with(15, _FULL[14]))], "perceptron: features not sorted and unique"),
        # A lane one below the lane under it; one far below; the top lane below lane 14.
        ([_word(_with(8, _FULL[7] - 1))], "perceptron: features not sorted and unique"),
        ([_word(_with(9, 1))], "perceptron: features not sorted and unique"),
        ([_word(_with(15, _FULL[14] - 1))], "perceptron: features not sorted and unique"),
        # A zero lane inside a full word, and as its lowest lane after an index.
        ([_word(_with(5, 0))], "perceptron: bad packed features"),
        ([7, _word(_with(0, 0))], "perceptron: bad packed features"),
        # A full word starting at, or below, the last index before it.
        (
            [_word(_FULL), _word([j + 75 for j in _FULL])],
            "perceptron: features not sorted and unique",
        ),
        (
            [_word(_FULL), _word([j + 74 for j in _FULL])],
            "perceptron: features not sorted and unique",
        ),
        ([_FULL[5], _word(_FULL)], "perceptron: features not sorted and unique"),
        # The top lane at n_features.
        ([_word(range(SMALL_N - 15, SMALL_N + 1))], "perceptron: feature index out of range"),
    ],
)
def test_bad_full_words_revert_with_the_lane_reason(model, owner, words, reason):
    with ape.reverts(reason):
        model.predict(words)
    with ape.reverts(reason):
        model.update(words, 1, sender=owner)


def test_valid_full_words_at_their_edges(model):
    """The least next word (starting one above the last index) and a full word after a plain
    index one below it are accepted."""
    assert model.score([_word(_FULL), _word([j + 76 for j in _FULL])]) == 0
    assert model.score([_FULL[0] - 1, _word(_FULL)]) == 0
    assert model.score([_word(range(SMALL_N - 16, SMALL_N))]) == 0


def test_full_words_take_the_straight_path(deploy_model, owner):
    """Thirty-two indices sent as two full words cost far less to score than the same indices
    in four half words (the lane loop; measured 34,066 against 39,276 gas): the full-word check
    must accept both words, the second one starting at the least index it may (one word taking
    the lane loop would leave about 2,600 of the difference)."""
    m = deploy_model(weights={j: 1 + j % 3 for j in range(64)})
    row = list(range(32))
    full = pack(row, SMALL_N)
    assert len(full) == 2
    halves = [_word(row[i : i + 8]) for i in range(0, 32, 8)]
    assert m.score(full) == m.score(halves) == sum(1 + j % 3 for j in row) * ONE
    gas_full = m.score.estimate_gas_cost(full, sender=owner)
    gas_halves = m.score.estimate_gas_cost(halves, sender=owner)
    assert gas_full < gas_halves - 4_000, (gas_full, gas_halves)
