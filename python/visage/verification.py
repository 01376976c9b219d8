"""visage.verify: the LFW verification protocol on numpy arrays, as `visage verify` runs it."""
import json
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from . import _visage


@dataclass
class VerificationResult:
    """The figures `visage verify` prints. accuracy is the mean over the folds when the
    thresholds were cross-validated (then standard_error and standard_deviation are set),
    else the accuracy over all pairs. val holds one dict per requested FAR (requested_far, far,
    val, threshold, resolved); folds one per fold (fold, pairs, threshold, train_accuracy,
    accuracy); roc_* the ROC curve by increasing threshold."""
    metric: str
    same_pairs: int
    different_pairs: int
    threshold_rule: str
    accuracy: float
    standard_error: float | None
    standard_deviation: float | None
    auc: float
    eer: float
    eer_threshold: float
    val: list[dict]
    folds: list[dict]
    roc_threshold: np.ndarray = field(repr=False)
    roc_far: np.ndarray = field(repr=False)
    roc_tar: np.ndarray = field(repr=False)
    summary: str = field(repr=False)  # the text `visage verify` prints
    json: str = field(repr=False)  # the text `visage verify --json` prints

    @property
    def thresholds(self) -> np.ndarray:
        """The threshold applied to each fold (chosen on the other folds when cross-validated)."""
        return np.array([fold["threshold"] for fold in self.folds])

    def as_dict(self) -> dict:
        """The whole result as `visage verify --json` writes it."""
        return json.loads(self.json)


def verify(first: np.ndarray, second: np.ndarray, same: Sequence[bool] | np.ndarray,
           folds: int | Sequence[int] | np.ndarray = 10, *, distance: str = "squared_l2",
           far: float | Sequence[float] = 1e-3, threshold: float | None = None,
           source: str = "numpy arrays") -> VerificationResult:
    """Face verification on pairs: pair i compares first[i] with second[i] (both N x D).

    same:      True for a matched pair (one identity).
    folds:     a number of folds, the pairs in file order split into that many equal blocks as in
               LFW View 2 (pair i in fold i // (N / folds)); or one 0-based fold id per pair.
               With two or more folds each fold is scored with the threshold that maximises
               accuracy on the others; with one, `threshold` or the best one on the pairs.
    distance:  "squared_l2" (default), "l2" or "cosine"; a pair is accepted when its distance
               is <= the threshold.
    far:       false accept rate(s) at which VAL is read.
    threshold: a fixed threshold instead of any search.
    source:    names the pairs in the summary.
    """
    same = np.asarray(same, dtype=bool)
    if len(same) == 0:
        raise ValueError("no pairs to verify: `same` is empty")
    if np.isscalar(folds) or np.ndim(folds) == 0:
        num_folds = int(folds)
        if num_folds < 1 or len(same) % num_folds != 0:
            raise ValueError(f"{len(same)} pairs do not split into {num_folds} equal folds; "
                             "give one fold id per pair instead")
        fold = np.arange(len(same), dtype=np.int32) // (len(same) // num_folds)
    else:
        fold = np.asarray(folds, dtype=np.int32)
        num_folds = int(fold.max()) + 1 if len(fold) else 1
    fars = [float(far)] if np.isscalar(far) else [float(f) for f in far]
    result = _visage.verify(first, second, same, fold, num_folds, distance, fars, threshold,
                            source)
    return VerificationResult(**result)
