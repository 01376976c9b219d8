"""visage.verify on numpy arrays gives the figures `visage verify` prints for the same pairs."""
import json

import numpy as np
import pytest

import visage


def pair_arrays(quickstart):
    pairs = visage.read_pairs(quickstart.pairs)
    paths, embeddings = visage.read_embeddings(quickstart.embeddings)
    row = {path: i for i, path in enumerate(paths)}
    first = embeddings[[row[p] for p in pairs["first"]]]
    second = embeddings[[row[p] for p in pairs["second"]]]
    return pairs, first, second


def test_verify_equals_the_command_line(quickstart, run_visage):
    pairs, first, second = pair_arrays(quickstart)
    assert pairs["num_folds"] == 10 and len(pairs["same"]) == 100
    assert pairs["same"].sum() == 50 and list(np.bincount(pairs["fold"])) == [10] * 10

    cli = json.loads(run_visage("verify", "--pairs", quickstart.pairs, "--embeddings",
                                quickstart.embeddings, "--far", "1e-2,1e-1", "--json").stdout)
    for folds in (10, pairs["fold"]):  # equal blocks in file order, or the file's fold ids
        result = visage.verify(first, second, pairs["same"], folds, far=[1e-2, 1e-1],
                               source=str(quickstart.pairs))
        # The same library calls on the same distances: equal to the last digit.
        assert result.accuracy == cli["accuracy"]
        assert result.standard_error == cli["accuracy_standard_error"]
        assert result.standard_deviation == cli["accuracy_std"]
        assert result.auc == cli["auc"] and result.eer == cli["eer"]
        assert [v["val"] for v in result.val] == [v["val"] for v in cli["val"]]
        assert [v["threshold"] for v in result.val] == [v["threshold"] for v in cli["val"]]
        assert list(result.thresholds) == [f["threshold"] for f in cli["folds"]]
        assert result.as_dict() == cli
    # The summary is the text `visage verify` prints.
    text = run_visage("verify", "--pairs", quickstart.pairs, "--embeddings",
                      quickstart.embeddings, "--far", "1e-2,1e-1").stdout
    assert result.summary == text


def test_verify_options_and_errors(quickstart):
    pairs, first, second = pair_arrays(quickstart)
    cosine = visage.verify(first, second, pairs["same"], distance="cosine", far=0.1)
    squared = visage.verify(first, second, pairs["same"], far=0.1)
    # Embeddings are unit vectors: cosine distance is half the squared L2 distance, which
    # orders the pairs alike.
    assert cosine.metric == "cosine" and cosine.auc == pytest.approx(squared.auc, abs=1e-12)
    assert cosine.accuracy == pytest.approx(squared.accuracy, abs=1e-12)
    fixed = visage.verify(first, second, pairs["same"], 1, threshold=0.5)
    assert fixed.standard_error is None and list(fixed.thresholds) == [0.5]
    distances = ((first.astype(np.float64) - second) ** 2).sum(1)
    assert fixed.accuracy == np.mean((distances <= 0.5) == pairs["same"])
    with pytest.raises(ValueError, match="do not split into 7 equal folds"):
        visage.verify(first, second, pairs["same"], 7)
    for folds in (10, 1, np.zeros(0, dtype=np.int32)):
        with pytest.raises(ValueError, match="no pairs to verify"):
            visage.verify(first[:0], second[:0], pairs["same"][:0], folds)
    with pytest.raises(visage.Error, match="both be N x D"):
        visage.verify(first, second[:, :64], pairs["same"])
