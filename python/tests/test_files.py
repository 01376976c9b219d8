"""Visage's files from Python: embeddings files that h5py and `visage verify` read, snapshots with
their iteration and weights, and damaged files refused with the library's message."""
import json

import h5py
import numpy as np
import pytest

import visage


def test_embeddings_round_trip_and_interoperate(quickstart, tmp_path, run_visage):
    paths, embeddings = visage.read_embeddings(quickstart.embeddings)
    assert len(paths) == 107 and paths[0].endswith(".jpg") and embeddings.dtype == np.float32
    # Read with h5py, `visage embed`'s file holds the same rows.
    with h5py.File(quickstart.embeddings, "r") as file:
        np.testing.assert_array_equal(file["embeddings"][...], embeddings)

    written = tmp_path / "written.h5"
    visage.write_embeddings(written, paths, embeddings, model="m.prototxt", weights="w.h5",
                            images="faces", flip_averaged=True)
    again_paths, again = visage.read_embeddings(written)
    assert again_paths == paths and again.tobytes() == embeddings.tobytes()
    with h5py.File(written, "r") as file:
        np.testing.assert_array_equal(file["embeddings"][...], embeddings)
        assert file.attrs["model"] in ("m.prototxt", b"m.prototxt")
        assert int(file.attrs["flip_averaged"]) == 1
    # `visage verify` reads the file Python wrote as it reads `visage embed`'s.
    from_cli = run_visage("verify", "--pairs", quickstart.pairs, "--embeddings",
                          quickstart.embeddings, "--json").stdout
    from_python = run_visage("verify", "--pairs", quickstart.pairs, "--embeddings", written,
                             "--json").stdout
    assert json.loads(from_python) == json.loads(from_cli)


def test_write_embeddings_checks_its_arguments(tmp_path):
    with pytest.raises(visage.Error, match=r"N x D with N = 2"):
        visage.write_embeddings(tmp_path / "e.h5", ["a.png", "b.png"], np.zeros((3, 4)))
    with pytest.raises(visage.Error, match="a.png has two embeddings"):
        visage.write_embeddings(tmp_path / "e.h5", ["a.png", "a.png"], np.zeros((2, 4)))
    assert not (tmp_path / "e.h5").exists()  # written atomically: nothing left behind


def test_snapshot_iteration_and_weights(quickstart):
    snapshot = visage.read_snapshot(quickstart.snapshot)
    assert snapshot.iteration == 3
    assert snapshot.solver_type == "Adam" and snapshot.net_name == "quickstart"
    assert snapshot.format_version >= 3 and len(snapshot.config_hash) == 16
    # The deploy net loaded from the snapshot holds exactly the snapshot's weights.
    net = visage.Net(quickstart.model, quickstart.snapshot)
    for layer, arrays in net.params.items():
        for a, b in zip(arrays, snapshot.weights[layer], strict=True):
            assert a.shape == b.shape and a.tobytes() == b.tobytes(), layer


def test_damaged_and_foreign_files_are_refused(quickstart, tmp_path):
    damaged = tmp_path / "damaged.h5"
    data = bytearray(quickstart.snapshot.read_bytes())
    data[:512] = bytes(512)  # the seal and HDF5's superblock
    damaged.write_bytes(bytes(data))
    with pytest.raises(visage.Error, match="damaged.h5"):
        visage.read_snapshot(damaged)
    # An embeddings file is not a snapshot, and the message says what it lacks.
    with pytest.raises(visage.Error, match="not a Visage snapshot"):
        visage.read_snapshot(quickstart.embeddings)
    with pytest.raises(visage.Error, match="not an embeddings file"):
        visage.read_embeddings(quickstart.snapshot)


def test_weights_of_layers_named_with_a_slash(tmp_path):
    # Caffe's layer names may hold a '/' ("inception_3a/1x1"), which HDF5 stores as nested groups.
    model = tmp_path / "net.prototxt"
    model.write_text('layer { name: "data" type: "Input" top: "data" '
                     'input_param { shape { dim: 2 dim: 1 dim: 2 dim: 2 } } }\n'
                     'layer { name: "block/fc" type: "InnerProduct" bottom: "data" top: "out" '
                     'inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }\n')
    net = visage.Net(model)
    net.save_weights(tmp_path / "saved.h5")
    weights = visage.read_weights(tmp_path / "saved.h5")
    assert list(weights) == ["block/fc"]
    assert [w.shape for w in weights["block/fc"]] == [(3, 4), (3,)]
    # Weights written from Python load into the net through the C++ reader.
    weights["block/fc"][0] = np.arange(12, dtype=np.float32).reshape(3, 4)
    weights["block/fc"][1] = np.array([1, 2, 3], dtype=np.float32)
    visage.write_weights(tmp_path / "edited.h5", weights)
    net.load_weights(tmp_path / "edited.h5")
    x = np.ones((1, 1, 2, 2), np.float32)
    np.testing.assert_array_equal(net.forward(x), [[0 + 1 + 2 + 3 + 1, 4 + 5 + 6 + 7 + 2,
                                                    8 + 9 + 10 + 11 + 3]])
    with pytest.raises(visage.Error, match="layer name 'a/1' cannot be stored"):
        visage.write_weights(tmp_path / "bad.h5", {"a/1": [np.zeros(1)]})
