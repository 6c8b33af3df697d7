"""What a deployment's manifest tells a visitor of the page about the model: its accuracy on the
samples after its pre-training slice beside the commonest-class baseline, and for numeric data
the columns' names and an example row (sharedmodels.trainers.deploy.describe_pretraining)."""

from collections import Counter

from sklearn.datasets import load_wine

from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.registry import Params, make_encoder, model_spec
from sharedmodels.trainers.deploy import Deployment, describe_pretraining


def deployed(model, spec, limit):
    encoder = make_encoder(
        model,
        fit_spec=spec,
        n_features=None,
        overflow="truncate",
        encoder=None,
        fit_limit=limit,
        fit_offset=0,
    )
    data = encode_dataset(spec, encoder, limit, 0)
    ref = model_spec(model).pretrain(
        encoder, data.rows, data.labels, len(data.class_names), Params(1, 1.0)
    )
    return Deployment(None, ref, 0), encoder


def test_a_dense_model_scored_on_the_rest_with_its_columns_and_an_example():
    dep, encoder = deployed("ncc", "sklearn:wine", 100)
    info = describe_pretraining(
        {"samples": 100}, dep, "sklearn:wine", encoder=encoder, offset=0, limit=100
    )
    held = info["held_out"]
    rest = datasets.load_dense("sklearn:wine", offset=100)
    assert (held["offset"], held["samples"]) == (100, len(rest.labels)) == (100, 78)
    rows = encoder.encode(rest.features)
    hits = sum(dep.reference.predict(r) == y for r, y in zip(rows, rest.labels, strict=True))
    assert held["accuracy"] == round(hits / 78, 4)
    assert held["baseline"] == round(max(Counter(rest.labels).values()) / 78, 4)
    assert held["accuracy"] > held["baseline"]  # Nearest Centroid on wine: far above it
    assert info["feature_names"] == list(load_wine().feature_names)
    assert info["example"] == {
        "values": [float(v) for v in rest.features[0]],
        "label": rest.class_names[rest.labels[0]],
    }
    assert info["samples"] == 100  # what was there stays


def test_no_score_without_held_out_data_and_nothing_without_pretraining():
    dep, encoder = deployed("ncc", "sklearn:wine", 100)
    info = describe_pretraining(
        {"samples": 178}, dep, "sklearn:wine", encoder=encoder, offset=0, limit=None
    )
    assert "held_out" not in info and len(info["feature_names"]) == 13
    at_the_end = describe_pretraining(
        {"samples": 78}, dep, "sklearn:wine", encoder=encoder, offset=100, limit=78
    )
    assert "held_out" not in at_the_end
    assert at_the_end["example"]["values"] == [
        float(v) for v in datasets.load_dense("sklearn:wine").features[100]
    ]
    assert (
        describe_pretraining(None, dep, "sklearn:wine", encoder=encoder, offset=0, limit=100)
        is None
    )
