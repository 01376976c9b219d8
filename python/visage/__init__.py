"""Visage from Python: load a net and its weights, compute embeddings from numpy batches, read and
write Visage's files (embeddings, weights, snapshots, pairs) and run the LFW verification protocol
on numpy arrays. The engine is the C++ library the `visage` command line runs (the extension
module `visage._visage`), so the numbers are the command line's where both run the same OpenBLAS
kernels (`visage.blas()` names them). docs/python.md has the guide.

    >>> import visage
    >>> net = visage.Net("configs/quickstart/deploy.prototxt", "weights.h5")
    >>> embeddings = net.forward(batch)          # float32 N x 3 x 64 x 64 -> N x 128
"""
from ._visage import Error, __version__, blas, with_cuda
from .files import (Snapshot, read_embeddings, read_pairs, read_snapshot, read_weights,
                    write_embeddings, write_weights)
from .net import Layer, Net
from .verification import VerificationResult, verify

__all__ = [
    "Error", "Layer", "Net", "Snapshot", "VerificationResult", "__version__", "blas",
    "read_embeddings", "read_pairs", "read_snapshot", "read_weights", "verify", "with_cuda",
    "write_embeddings", "write_weights",
]
