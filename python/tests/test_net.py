"""visage.Net against the command line: the same embeddings as `visage embed`, weights that
round-trip bit for bit, parameters that are views onto the net, and errors with their message."""
import threading
import time

import numpy as np
import pytest

import visage


def test_forward_gives_visage_embeds_embeddings(quickstart):
    paths, expected = visage.read_embeddings(quickstart.embeddings)
    net = visage.Net(quickstart.model, quickstart.snapshot)
    batch = net.prepare_images(paths, root=quickstart.faces)
    assert batch.shape == (len(paths), 3, 64, 64) and batch.dtype == np.float32
    embeddings = net.forward(batch)
    assert embeddings.shape == expected.shape == (107, 128)
    # `visage embed` ran batches of 64 (the prototxt's), this one pass of 107: the per-image sums
    # may be grouped differently, so equal within float32 rounding, not necessarily to the bit.
    np.testing.assert_allclose(embeddings, expected, rtol=0, atol=1e-6)
    # Embeddings of different faces differ: the comparison above is not between constants.
    assert np.abs(embeddings[0] - embeddings[1]).max() > 1e-2


def test_any_batch_size_and_named_outputs(quickstart):
    net = visage.Net(quickstart.model, quickstart.snapshot)
    assert net.inputs == ["data"] and net.outputs == ["embedding"]
    assert net.input_shape("data") == (64, 3, 64, 64)
    x = np.random.default_rng(1).standard_normal((5, 3, 64, 64), dtype=np.float32)
    out = net.forward({"data": x}, outputs=["fc", "embedding"])
    assert out["fc"].shape == (5, 128) and out["embedding"].shape == (5, 128)
    # The embedding is the L2-normalised fc output.
    norms = np.linalg.norm(out["fc"], axis=1, keepdims=True)
    np.testing.assert_allclose(out["embedding"], out["fc"] / norms, rtol=1e-5, atol=1e-7)
    # One image alone gives its row of the batch; outputs own their memory (the next forward
    # does not change them).
    first = net.forward(x[:1])
    np.testing.assert_allclose(first[0], out["embedding"][0], rtol=0, atol=1e-6)
    assert out["embedding"].base is not None and not np.shares_memory(first, out["embedding"])
    # float64 and non-contiguous inputs are converted, giving the same numbers.
    np.testing.assert_array_equal(net.forward(x.astype(np.float64)), net.forward(x))
    strided = np.repeat(x, 2, axis=0)[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(net.forward(strided), net.forward(x))


def test_layers_as_the_net_runs_them(quickstart, tmp_path):
    layers = visage.Net(quickstart.model).layers
    assert [layer.name for layer in layers[:3]] == ["data", "conv1", "conv1_bn"]
    conv1, bn = layers[1], layers[2]
    assert (conv1.type, conv1.bottoms, conv1.tops) == ("Convolution", ["data"], ["conv1"])
    assert "num_output: 32" in conv1.prototxt and "kernel_size: 5" in conv1.prototxt
    assert bn.bottoms == bn.tops == ["conv1"]  # in place
    assert layers[-1].type == "L2Normalize" and layers[-1].tops == ["embedding"]
    # A tensor feeding two layers gets a Split layer, and the consumers read its tops.
    model = tmp_path / "split.prototxt"
    model.write_text('layer { name: "data" type: "Input" top: "data" '
                     'input_param { shape { dim: 1 dim: 4 } } }\n'
                     'layer { name: "a" type: "ReLU" bottom: "data" top: "a" }\n'
                     'layer { name: "b" type: "Softmax" bottom: "data" top: "b" }\n')
    layers = visage.Net(model).layers
    assert [layer.type for layer in layers] == ["Input", "Split", "ReLU", "Softmax"]
    assert layers[2].bottoms == [layers[1].tops[0]] and layers[3].bottoms == [layers[1].tops[1]]


def test_params_are_views_onto_the_net(quickstart):
    net = visage.Net(quickstart.model, quickstart.snapshot)
    params = net.params
    assert list(params)[:3] == ["conv1", "conv1_bn", "conv1_scale"]
    weights, bias = params["fc"]
    assert weights.shape == (128, 2048) and bias.shape == (128,)
    assert np.shares_memory(weights, net.params["fc"][0])
    # Writing into the views changes what forward computes: with the fc weights zeroed the
    # embedding is the normalised bias, whatever the image.
    weights[...] = 0
    bias[...] = np.arange(128, dtype=np.float32)
    x = np.random.default_rng(2).standard_normal((3, 3, 64, 64), dtype=np.float32)
    expected = np.arange(128, dtype=np.float32) / np.linalg.norm(np.arange(128))
    np.testing.assert_allclose(net.forward(x), np.tile(expected, (3, 1)), rtol=1e-6)
    # A view keeps its net alive.
    del net
    assert bias[5] == 5.0


def test_weights_round_trip_bit_identical(quickstart, tmp_path):
    trained = visage.Net(quickstart.model, quickstart.snapshot)
    trained.save_weights(tmp_path / "weights.h5")
    # A net initialised from another seed, then given the saved weights, is the trained net.
    other = visage.Net(quickstart.model, seed=7)
    x = np.random.default_rng(3).standard_normal((4, 3, 64, 64), dtype=np.float32)
    assert not np.array_equal(other.forward(x), trained.forward(x))
    other.load_weights(tmp_path / "weights.h5")
    for layer, arrays in trained.params.items():
        for a, b in zip(arrays, other.params[layer], strict=True):
            assert a.tobytes() == b.tobytes(), layer
    np.testing.assert_array_equal(other.forward(x), trained.forward(x))
    # The file holds the snapshot's values, and write_weights of a read reproduces them.
    saved = visage.read_weights(tmp_path / "weights.h5")
    snapshot = visage.read_snapshot(quickstart.snapshot)
    assert saved.keys() == snapshot.weights.keys()
    visage.write_weights(tmp_path / "copy.h5", saved)
    for layer, arrays in visage.read_weights(tmp_path / "copy.h5").items():
        for a, b, c in zip(arrays, saved[layer], snapshot.weights[layer], strict=True):
            assert a.tobytes() == b.tobytes() == c.tobytes(), layer


def test_errors_surface_with_the_librarys_message(quickstart, tmp_path):
    assert issubclass(visage.Error, RuntimeError)
    with pytest.raises(visage.Error, match="no_such.prototxt"):
        visage.Net(tmp_path / "no_such.prototxt")
    bad = tmp_path / "bad.prototxt"
    bad.write_text('layer { name: "data" type: "Input" top: "data" input_parm { } }\n')
    with pytest.raises(visage.Error, match=r"bad.prototxt:1:.*no field named \"input_parm\""):
        visage.Net(bad)
    net = visage.Net(quickstart.model)
    with pytest.raises(visage.Error,
                       match=r"input 'data' takes arrays of shape \(-1 x 3 x 64 x 64\)"):
        net.forward(np.zeros((2, 3, 32, 32), np.float32))
    with pytest.raises(visage.Error, match="no tensor named 'nope'"):
        net.forward({"data": np.zeros((1, 3, 64, 64), np.float32)}, outputs=["nope"])
    with pytest.raises(visage.Error, match="not_weights.h5"):
        net.load_weights(tmp_path / "not_weights.h5")


def test_forward_releases_the_gil(quickstart):
    net = visage.Net(quickstart.model, quickstart.snapshot, threads=1)
    assert net.threads == 1
    x = np.random.default_rng(4).standard_normal((256, 3, 64, 64), dtype=np.float32)
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("y", net.forward(x)))
    ticks = 0
    worker.start()
    while worker.is_alive():  # runs only while the forward pass has let go of the GIL
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert result["y"].shape == (256, 128)
    # 256 images take a few hundred milliseconds; holding the GIL would leave about one tick.
    assert ticks >= 10


def test_shape_and_params_wait_for_a_forward_on_another_thread(quickstart):
    net = visage.Net(quickstart.model, quickstart.snapshot, threads=1)
    x = np.random.default_rng(5).standard_normal((256, 3, 64, 64), dtype=np.float32)
    for read in (lambda: net.input_shape("data"), lambda: net.params):
        worker = threading.Thread(target=net.forward, args=(x,))
        worker.start()
        time.sleep(0.02)  # the forward pass (a few hundred milliseconds) is under way
        ticks = 0
        read_done = threading.Event()

        def tick():
            nonlocal ticks
            while not read_done.is_set():
                ticks += 1
                time.sleep(0.001)

        ticker = threading.Thread(target=tick)
        ticker.start()
        started = time.monotonic()
        read()
        waited = time.monotonic() - started
        read_done.set()
        ticker.join()
        worker.join()
        # The read waits for the net's lock, which the forward pass holds, instead of reading
        # tensors while it reshapes and writes them; and it waits without the GIL (the ticker ran).
        assert waited > 0.05 and ticks >= 10


def test_blas_names_the_library_kernels_and_threads():
    line = visage.blas()
    assert line.startswith("OpenBLAS ") and " kernels, " in line and "thread" in line, line
