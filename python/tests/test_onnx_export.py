"""`visage export --onnx` against onnxruntime: the quickstart, a reduced DeepFace, NN1 and NN2 are
exported with non-trivial weights, and onnxruntime's outputs on the check file's random inputs must
equal Visage's own (written by `--check`) within TOLERANCE.

Weights: an initial snapshot from `visage train` with max_iter 0 (random filters from the configs'
fillers), in which every constant-initialised parameter (biases, Scale's factors) gets noise and
every BatchNorm gets random stored statistics with a normaliser other than 1, so that a wrong
bias, scale or statistics layout cannot pass.
"""
import re
import time
from pathlib import Path

import h5py
import numpy as np
import onnx
import onnxruntime as ort
import pytest

# The largest |onnxruntime - visage| allowed, relative to the largest |output|: float32 rounding
# in another summation order gives about 1e-6; a wrong layout or formula gives far more.
TOLERANCE = 1e-4
CHECK_SAMPLES = 2


def deepface_reduced(text: str) -> str:
    """DeepFace with every layer type and the LocallyConnected geometry of the paper's net
    (L4 9x9, L5 7x7 stride 2, L6 5x5) at a smaller size: 88x88 input (M2 still rounds up, 78 -> 39),
    8 channels from C3 on, F7 256 units, F8 100 classes."""
    edits = [("dim: 16 dim: 3 dim: 152 dim: 152", "dim: 1 dim: 3 dim: 88 dim: 88", 1),
             ("num_output: 16", "num_output: 8", 4),
             ("num_output: 4096", "num_output: 256", 1),
             ("num_output: 4030", "num_output: 100", 1)]
    for old, new, count in edits:
        assert text.count(old) == count, old
        text = text.replace(old, new)
    return text


# The converters the seed networks do not use, and settings they do not reach: grouped strided
# convolution, PReLU, LeakyRelu, Eltwise SUM with coefficients / PROD / MAX, Bias, Scale without a
# bias, AVE pooling with and without padding under ceil rounding, Concat, LRN with beta != 0.75,
# Flatten, BatchNorm on 2-D input, Reshape, transposed InnerProduct on N-D input, Dropout, Softmax,
# Maxout and L2 pooling (with overhang) and L2Normalize on 4-D input, MAX pooling with a stride past
# its kernel and padding under ceil rounding (padding after the image of kernel - 1, the most
# onnxruntime takes), an automatic Split, and three outputs.
ZOO = """name: "zoo"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 4 dim: 9 dim: 9 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 6 kernel_size: 3 pad: 1 stride: 2 group: 2
    weight_filler { type: "xavier" } } }
layer { name: "prelu" type: "PReLU" bottom: "conv" top: "prelu" }
layer { name: "leaky" type: "ReLU" bottom: "conv" top: "leaky" relu_param { negative_slope: 0.1 } }
layer { name: "sum" type: "Eltwise" bottom: "prelu" bottom: "leaky" top: "sum"
  eltwise_param { operation: SUM coeff: 0.5 coeff: -2 } }
layer { name: "prod" type: "Eltwise" bottom: "prelu" bottom: "leaky" bottom: "sum" top: "prod"
  eltwise_param { operation: PROD } }
layer { name: "max" type: "Eltwise" bottom: "sum" bottom: "prod" top: "max"
  eltwise_param { operation: MAX } }
layer { name: "bias" type: "Bias" bottom: "max" top: "bias" }
layer { name: "scale" type: "Scale" bottom: "bias" top: "scale" }
layer { name: "ave" type: "Pooling" bottom: "scale" top: "ave"
  pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "ave_pad" type: "Pooling" bottom: "scale" top: "ave_pad"
  pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "cat" type: "Concat" bottom: "ave" bottom: "ave_pad" top: "cat" }
layer { name: "lrn" type: "LRN" bottom: "cat" top: "lrn"
  lrn_param { local_size: 3 alpha: 0.5 beta: 0.6 k: 2 } }
layer { name: "flat" type: "Flatten" bottom: "lrn" top: "flat" }
layer { name: "bn" type: "BatchNorm" bottom: "flat" top: "flat" }
layer { name: "reshape" type: "Reshape" bottom: "flat" top: "reshape"
  reshape_param { shape { dim: 0 dim: 12 dim: 9 } } }
layer { name: "ip" type: "InnerProduct" bottom: "reshape" top: "ip"
  inner_product_param { num_output: 10 transpose: true weight_filler { type: "xavier" } } }
layer { name: "drop" type: "Dropout" bottom: "ip" top: "ip" }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
layer { name: "maxout" type: "Maxout" bottom: "conv" top: "maxout" maxout_param { pieces: 3 } }
layer { name: "l2pool" type: "Pooling" bottom: "maxout" top: "l2pool"
  pooling_param { pool: L2 kernel_size: 2 stride: 2 } }
layer { name: "l2norm" type: "L2Normalize" bottom: "l2pool" top: "l2norm" }
layer { name: "sparse" type: "Pooling" bottom: "data" top: "sparse"
  pooling_param { pool: MAX kernel_size: 2 stride: 3 pad: 1 } }
"""

NETWORKS = {
    "zoo": (None, lambda text: ZOO),
    "quickstart": ("configs/quickstart/deploy.prototxt", lambda text: text),
    "deepface": ("configs/deepface/deploy.prototxt", deepface_reduced),
    "facenet_nn1": ("configs/facenet_nn1/deploy.prototxt", lambda text: text),
    "facenet_nn2": ("configs/facenet_nn2/deploy.prototxt", lambda text: text),
}


def layer_types(prototxt: str) -> dict:
    return dict(re.findall(r'name:\s*"([^"]+)"\s*type:\s*"([^"]+)"', prototxt))


def make_weights(run_visage, model: Path, tmp: Path) -> Path:
    """Caffe-layout HDF5 weights (/data/<layer>/<index>) for `model`, non-trivial throughout."""
    solver = tmp / "solver.prototxt"
    solver.write_text(f'net: "{model}"\ntype: "SGD"\nbase_lr: 0.01\nlr_policy: "fixed"\n'
                      f'max_iter: 0\nsnapshot_prefix: "{tmp / "initial"}"\nrandom_seed: 7\n')
    run_visage("train", "--solver", solver)
    types = layer_types(model.read_text())
    rng = np.random.default_rng(11)
    weights = tmp / "weights.h5"
    with h5py.File(tmp / "initial_iter_0.h5", "r") as initial, h5py.File(weights, "w") as out:
        for layer, params in initial["data"].items():
            values = [params[str(i)][()] for i in range(len(params))]
            if types.get(layer) == "BatchNorm":
                normaliser = 0.8  # the stored sums are divided by it
                channels = values[0].shape
                values = [rng.normal(0, 0.5, channels) * normaliser,
                          rng.uniform(0.5, 2.0, channels) * normaliser,
                          np.array([normaliser])]
            else:
                values = [v + rng.normal(0, 0.1, v.shape) if np.ptp(v) == 0 else v
                          for v in values]
            for i, v in enumerate(values):
                out.create_dataset(f"data/{layer}/{i}", data=np.asarray(v, np.float32))
    return weights


@pytest.mark.parametrize("network", NETWORKS)
def test_onnxruntime_matches_visage(network, run_visage, source_dir, tmp_path):
    config, shrink = NETWORKS[network]
    model = tmp_path / "deploy.prototxt"
    model.write_text(shrink((source_dir / config).read_text() if config else ""))
    weights = make_weights(run_visage, model, tmp_path)
    out = tmp_path / f"{network}.onnx"
    started = time.monotonic()
    result = run_visage("export", "--onnx", out, "--model", model, "--weights", weights,
                        "--check", CHECK_SAMPLES, "--seed", 5)
    assert "opset 17" in result.stdout

    exported = onnx.load(str(out))
    onnx.checker.check_model(exported, full_check=True)
    # The declared shapes of every value agree with ONNX's own inference.
    onnx.shape_inference.infer_shapes(exported, check_type=True, strict_mode=True)
    assert exported.opset_import[0].version == 17

    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    with h5py.File(tmp_path / f"{network}.check.h5", "r") as check:
        inputs = {name: check["inputs"][name][()] for name in check["inputs"]}
        expected = {name: check["outputs"][name][()] for name in check["outputs"]}
    assert [i.name for i in session.get_inputs()] == list(inputs)
    names = list(expected)
    got = session.run(names, inputs)
    for name, value in zip(names, got):
        assert value.shape == expected[name].shape
        scale = float(np.abs(expected[name]).max())
        assert scale > 0  # a dead net would match trivially
        difference = float(np.abs(value - expected[name]).max())
        print(f"{network}: output {name} {value.shape}: max |onnxruntime - visage| = "
              f"{difference:.3g}, outputs up to {scale:.3g} (relative {difference / scale:.2g})")
        assert difference <= TOLERANCE * scale, (network, name, difference, scale)

    # The batch axis is symbolic: one sample alone gives that sample's outputs.
    single = session.run(names, {k: v[:1] for k, v in inputs.items()})
    for name, value in zip(names, single):
        scale = float(np.abs(expected[name]).max())
        np.testing.assert_allclose(value, expected[name][:1], atol=TOLERANCE * scale, rtol=0)
    print(f"{network}: export, load and compare took {time.monotonic() - started:.1f} s")


def test_training_only_layers_are_refused_by_name(run_visage, source_dir, tmp_path):
    result = run_visage("export", "--onnx", tmp_path / "q.onnx", "--model",
                        source_dir / "configs/quickstart/train_val.prototxt", check=False)
    assert result.returncode == 1
    assert "layer 'faces' (SyntheticFaceData)" in result.stderr
    assert "deploy prototxt" in result.stderr
    assert not (tmp_path / "q.onnx").exists()


def test_ave_pooling_that_no_onnx_pool_matches_is_refused(run_visage, tmp_path):
    # Ceil rounding makes the last window overhang the padding: Caffe's divisor excludes the
    # overhang but counts the padding, which neither count_include_pad setting does.
    model = tmp_path / "ave.prototxt"
    model.write_text('layer { name: "data" type: "Input" top: "data" '
                     'input_param { shape { dim: 1 dim: 1 dim: 6 dim: 6 } } }\n'
                     'layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" '
                     'pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }\n')
    result = run_visage("export", "--onnx", tmp_path / "ave.onnx", "--model", model, check=False)
    assert result.returncode == 1
    assert "layer 'pool' (Pooling)" in result.stderr and "round_mode: FLOOR" in result.stderr


def test_a_failed_write_names_the_file_and_leaves_no_temporary(run_visage, source_dir, tmp_path):
    taken = tmp_path / "taken.onnx"  # a folder with a file in it: the rename onto it fails
    taken.mkdir()
    (taken / "keep").write_text("")
    result = run_visage("export", "--onnx", taken, "--model",
                        source_dir / "configs/quickstart/deploy.prototxt", check=False)
    assert result.returncode == 1
    assert f"{taken}: renaming {taken}.tmp-" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.onnx"]


def test_help_states_opset_and_mapping(run_visage):
    text = run_visage("export", "--help").stdout
    assert "opset 17" in text
    for layer, operator in [("LocallyConnected", "MatMul"), ("Maxout", "ReduceMax"),
                            ("Pooling", "LpPool"), ("L2Normalize", "ReduceSumSquare")]:
        assert re.search(rf"{layer}\s+.*{operator}", text), layer
