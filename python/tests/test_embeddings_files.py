"""Embeddings files between Visage and other tools: `visage embed` writes paths that h5py reads as
strings, and `visage verify` reads a file h5py wrote without any Visage attribute."""
import h5py
import numpy as np

MODEL = """
name: "picker"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 4 dim: 1 dim: 2 dim: 2 } } }
layer { name: "emb" type: "InnerProduct" bottom: "data" top: "emb" inner_product_param { num_output: 2 } }
"""

# Four identities, two images each; identity k's images are flat grey near 40 + 50 k.
PAIRS = "1\t4\nid0\t1\t2\nid1\t1\t2\nid2\t1\t2\nid3\t1\t2\n" \
        "id0\t1\tid1\t1\nid1\t2\tid2\t1\nid2\t2\tid3\t1\nid3\t2\tid0\t2\n"


def write_pgm(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"P5\n2 2\n255\n" + bytes([value] * 4))


def test_visage_embeddings_read_in_h5py_and_foreign_files_verify(tmp_path, run_visage):
    for k in range(4):
        for i in (1, 2):
            write_pgm(tmp_path / "images" / f"id{k}" / f"id{k}_000{i}.pgm", 40 + 50 * k + 2 * i)
    (tmp_path / "model.prototxt").write_text(MODEL)
    (tmp_path / "pairs.txt").write_text(PAIRS)
    # Caffe's HDF5 weights layout, written by h5py: the embedding is (pixel (0,0), pixel (1,1)).
    weights = np.zeros((2, 4), np.float32)
    weights[0, 0] = weights[1, 3] = 1
    with h5py.File(tmp_path / "weights.h5", "w") as f:
        f["data/emb/0"] = weights
        f["data/emb/1"] = np.zeros(2, np.float32)

    run_visage("embed", "--device", "cpu", "--model", tmp_path / "model.prototxt", "--weights",
               tmp_path / "weights.h5", "--images", tmp_path / "images", "--out",
               tmp_path / "emb.h5")
    with h5py.File(tmp_path / "emb.h5", "r") as f:
        paths = f["paths"].asstr()[()].tolist()
        embeddings = f["embeddings"][()]
    assert paths[:2] == ["id0/id0_0001.pgm", "id0/id0_0002.pgm"]
    assert embeddings.shape == (8, 2) and embeddings.dtype == np.float32
    np.testing.assert_allclose(embeddings[1], [(40 + 4) / 255] * 2, rtol=1e-6)

    # Another tool's file: float64 features under its own name, fixed-size byte-string paths with
    # another extension, no attributes. Identity 3's images are moved onto identity 0's, so the
    # mismatched pair id3-id0 is accepted: accuracy 7/8.
    foreign = embeddings.astype(np.float64)
    foreign[6:8] = foreign[0]
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["features"] = foreign
        f["paths"] = np.array([p.replace(".pgm", ".png").encode() for p in paths], dtype="S")
    result = run_visage("verify", "--pairs", tmp_path / "pairs.txt", "--embeddings",
                        tmp_path / "foreign.h5", "--json")
    assert '"accuracy":0.875' in result.stdout.replace(" ", "")
    ours = run_visage("verify", "--pairs", tmp_path / "pairs.txt", "--embeddings",
                      tmp_path / "emb.h5", "--json")
    assert '"accuracy":1' in ours.stdout.replace(" ", "")


def test_a_file_without_embeddings_is_refused_with_what_it_holds(tmp_path, run_visage):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["labels"] = np.arange(3)
        f["paths"] = np.array([b"a.jpg", b"b.jpg", b"c.jpg"])
    (tmp_path / "pairs.txt").write_text("1\t1\na\t1\t2\nb\t1\tc\t1\n")
    result = run_visage("verify", "--pairs", tmp_path / "pairs.txt", "--embeddings",
                        tmp_path / "other.h5", check=False)
    assert result.returncode == 1
    assert "the file has datasets labels, paths" in result.stderr
