"""visage.Net: a TEST-phase net from a deploy prototxt, fed numpy batches."""
import os
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from . import _visage
from ._visage import Error


@dataclass(frozen=True)
class Layer:
    """One layer as the net runs it: bottoms and tops are tensor names (after the Split layers the
    net inserts where a tensor feeds several layers); prototxt is its LayerParameter as text."""
    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    prototxt: str


class Net:
    """A net built in the TEST phase from a prototxt (a deploy net with an Input layer).

    model:   the prototxt, e.g. configs/quickstart/deploy.prototxt.
    weights: a weights file as `visage embed --weights` takes it (a snapshot, `visage train`'s
             weights, Net.save_weights' output, Caffe HDF5 or .caffemodel); layers are matched
             by name. Without weights the layers' fillers initialise the parameters from `seed`.
    device:  "cpu", "gpu", "gpu:N" or "auto" (the first GPU if there is one), as --device.
    threads: OpenBLAS threads used during forward (None: OpenBLAS's setting, OPENBLAS_NUM_THREADS
             or the number of cores). OpenBLAS's count is process-wide, so it is set for each
             forward pass and restored after it.
    seed:    seeds the context's random number generator (the fillers' draws).

    Raises visage.Error (a RuntimeError) with the library's message for a bad config or weights.
    """

    def __init__(self, model: str | os.PathLike, weights: str | os.PathLike | None = None, *,
                 device: str = "cpu", threads: int | None = None, seed: int = 1):
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self._net = _visage.Net(os.fspath(model), device, threads or 0, seed)
        self.model = os.fspath(model)
        if weights is not None:
            self.load_weights(weights)

    def __repr__(self) -> str:
        return (f"visage.Net({self.model!r}, name={self.name!r}, device={self.device!r}, "
                f"inputs={self.inputs}, outputs={self.outputs})")

    @property
    def name(self) -> str:
        """The net's name (the prototxt's `name:`)."""
        return self._net.name

    @property
    def device(self) -> str:
        """Where the net computes, e.g. "cpu"."""
        return self._net.device

    @property
    def threads(self) -> int | None:
        """The OpenBLAS threads forward() uses (None: OpenBLAS's own setting)."""
        return self._net.threads or None

    @property
    def inputs(self) -> list[str]:
        """The tops of the Input layers: the names forward() is fed under."""
        return self._net.inputs

    @property
    def outputs(self) -> list[str]:
        """The tensors no layer consumes; forward(array) returns the last one."""
        return self._net.outputs

    @property
    def layers(self) -> list[Layer]:
        """Every layer in the order forward() runs them."""
        return [Layer(**layer) for layer in self._net.layers]

    def input_shape(self, name: str | None = None) -> tuple[int, ...]:
        """The prototxt's shape of an input (default: the first); forward() accepts any batch."""
        return tuple(self._net.shape(name if name is not None else self._first_input()))

    def forward(self, x: np.ndarray | Mapping[str, np.ndarray],
                outputs: Sequence[str] | None = None):
        """Runs the net on a batch.

        forward(array) feeds the first input and returns the last output (the embedding) as an
        N x ... float32 array. forward({"data": array, ...}, outputs=[...]) returns a dict of the
        named tensors (default: every output). Only the batch size may differ from the
        prototxt's shape. A C-contiguous float32 array is read in place; other arrays are
        converted by numpy first. Each input is copied once into the net, each output once out
        of it into the array returned, which owns its memory. The GIL is released while the net
        runs; forward passes of one Net run one at a time.
        """
        if isinstance(x, Mapping):
            if isinstance(outputs, str):
                outputs = [outputs]
            wanted = list(outputs) if outputs is not None else self.outputs
            return self._net.forward(dict(x), wanted)
        if outputs is not None:
            raise TypeError("outputs= goes with a dict of inputs: "
                            "forward({'data': x}, outputs=[...])")
        last = self.outputs[-1]
        return self._net.forward({self._first_input(): x}, [last])[last]

    @property
    def params(self) -> dict[str, list[np.ndarray]]:
        """Layer name -> its parameters (weights, then bias, as in the weights files).

        On the CPU these are views onto the net's parameter buffer: writing into them changes
        what forward() computes, and they keep the net alive. On a GPU they are copies.
        """
        return self._net.params()

    def load_weights(self, path: str | os.PathLike) -> None:
        """Copies the parameters of every layer found by name in `path` (as --weights does).

        Warns when some layers with parameters are not in the file (they keep their values).
        """
        missing = self._net.load_weights(os.fspath(path))
        if missing:
            warnings.warn(f"{os.fspath(path)}: no weights for layers {', '.join(missing)}; "
                          "they keep their initialisation", stacklevel=2)

    def save_weights(self, path: str | os.PathLike) -> None:
        """Writes every parameter as /data/<layer>/<index> (Caffe's HDF5 layout), atomically:
        the file `visage embed --weights`, Net(weights=...) and visage.read_weights read."""
        self._net.save_weights(os.fspath(path))

    def prepare_images(self, paths: Sequence[str | os.PathLike],
                       root: str | os.PathLike | None = None) -> np.ndarray:
        """Reads images (PNG, JPEG, PGM/PPM) and prepares them as `visage embed` does for this
        net's image input: the Input layer's face_transform_param in the TEST phase (or
        pixels / 255), then a resize to its height x width. Returns N x C x H x W float32.

        With root, paths are names relative to it, found as `visage embed --images ROOT` finds
        them (a pairs file's "x.jpg" also matches "x.png")."""
        return self._net.prepare_images([os.fspath(p) for p in paths],
                                        None if root is None else os.fspath(root))

    def _first_input(self) -> str:
        names = self.inputs
        if not names:
            raise Error(f"{self.model}: the net has no Input layer to feed")
        return names[0]

