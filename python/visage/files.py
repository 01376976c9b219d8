"""Visage's files: embeddings (`visage embed`), weights (what --weights reads), snapshots
(`visage train`) and LFW pairs files. Every read returns numpy arrays that own their memory."""
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from . import _visage


def read_embeddings(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Reads an embeddings file: (image paths, N x D float32 embeddings), row i for paths[i].

    Raises visage.Error naming the file when it is missing, foreign or inconsistent."""
    return _visage.read_embeddings(os.fspath(path))


def write_embeddings(path: str | os.PathLike, paths: Sequence[str], embeddings: np.ndarray, *,
                     model: str = "", weights: str = "", images: str = "",
                     flip_averaged: bool = False) -> None:
    """Writes an embeddings file that `visage verify --embeddings` reads, atomically.

    paths are the image paths as the pairs files name them (relative to the images folder);
    embeddings is N x D with row i for paths[i]. model, weights, images and flip_averaged are
    recorded as the file's provenance attributes, as `visage embed` records them."""
    _visage.write_embeddings(os.fspath(path), list(paths), embeddings, model, weights, images,
                             flip_averaged)


def read_weights(path: str | os.PathLike) -> dict[str, list[np.ndarray]]:
    """Layer name -> its parameters, from any HDF5 weights file in Caffe's layout
    (/data/<layer>/<index>): snapshots, Net.save_weights' files, Caffe's HDF5 weights."""
    return _visage.read_weights(os.fspath(path))


def write_weights(path: str | os.PathLike, weights: Mapping[str, Sequence[np.ndarray]]) -> None:
    """Writes layer name -> parameters as /data/<layer>/<index>, atomically: a file that
    Net(weights=...), `visage embed --weights` and `visage train --weights` read."""
    _visage.write_weights(os.fspath(path), dict(weights))


@dataclass
class Snapshot:
    """A training snapshot (`<prefix>_iter_<N>.h5`), as read_snapshot() finds it."""
    iteration: int
    solver_type: str
    net_name: str
    config_hash: str  # of the train net's config, which `visage train --resume` compares
    format_version: int
    weights: dict[str, list[np.ndarray]]


def read_snapshot(path: str | os.PathLike) -> Snapshot:
    """Reads a snapshot's iteration, solver, net and weights. The file is checked as
    `visage train --resume` checks it (format, version, checksum seal): a damaged or foreign
    file raises visage.Error. Its weights load into a Net with Net(model, path) or
    Net.load_weights(path); write_weights(path, snapshot.weights) saves them alone."""
    return Snapshot(**_visage.read_snapshot(os.fspath(path)))


def read_pairs(path: str | os.PathLike) -> dict:
    """Reads an LFW pairs file (View 1 or View 2, or `visage synth`'s) into columns:
    first, second (image paths), same (bool array), fold (0-based int array), num_folds."""
    return _visage.read_pairs(os.fspath(path))
