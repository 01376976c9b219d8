"""Shared fixtures of the Python tests. ctest runs them with the paths below in the environment
(tests/CMakeLists.txt); run by hand, from the repository root after scripts/build.sh:

    VISAGE_BIN=build/bin/visage VISAGE_PYTHON_PATH=build/python .venv/bin/python -m pytest python/tests
"""
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

SOURCE_DIR = Path(os.environ.get("VISAGE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
VISAGE_BIN = Path(os.environ.get("VISAGE_BIN", SOURCE_DIR / "build" / "bin" / "visage"))
PYTHON_PATH = Path(os.environ.get("VISAGE_PYTHON_PATH", SOURCE_DIR / "build" / "python"))

# The built `visage` package (python/visage plus the compiled extension) comes first on the path.
sys.path.insert(0, str(PYTHON_PATH))


@pytest.fixture(scope="session")
def source_dir() -> Path:
    return SOURCE_DIR


@pytest.fixture(scope="session")
def visage_bin() -> Path:
    if not VISAGE_BIN.is_file():
        pytest.fail(f"no visage binary at {VISAGE_BIN}: build first (scripts/build.sh)")
    return VISAGE_BIN


@pytest.fixture(scope="session")
def run_visage(visage_bin):
    """Runs `visage ARGS...`, fails the test with its output when it exits non-zero."""

    def run(*args, cwd=None, check=True):
        result = subprocess.run([str(visage_bin), *map(str, args)], cwd=cwd, capture_output=True,
                                text=True)
        if check and result.returncode != 0:
            pytest.fail(f"visage {' '.join(map(str, args))} exited {result.returncode}:\n"
                        f"{result.stdout}\n{result.stderr}")
        return result

    return run


@pytest.fixture(scope="session")
def quickstart(source_dir, run_visage, tmp_path_factory) -> SimpleNamespace:
    """The quickstart net trained for 3 iterations on synthetic faces, and a small held-out set.

    model: the deploy prototxt; snapshot: the snapshot `visage train` wrote (iteration 3);
    faces: `visage synth`'s folder of 40 identities x 3 images; pairs: its pairs file (10 folds
    of 5 matched + 5 mismatched pairs); embeddings: `visage embed`'s file for the pairs' images.
    """
    work = tmp_path_factory.mktemp("quickstart")
    solver = work / "solver.prototxt"
    solver.write_text(f'net: "{source_dir}/configs/quickstart/train_val.prototxt"\n'
                      'type: "Adam"\nbase_lr: 0.002\nlr_policy: "fixed"\nmax_iter: 3\n'
                      f'random_seed: 1\nsnapshot_prefix: "{work}/quickstart"\n')
    run_visage("train", "--solver", solver, "--device", "cpu")
    model = source_dir / "configs" / "quickstart" / "deploy.prototxt"
    faces = work / "faces"
    run_visage("synth", "--identities", 40, "--per-identity", 3, "--pairs", 5, "--out", faces)
    embeddings = work / "embeddings.h5"
    snapshot = work / "quickstart_iter_3.h5"
    run_visage("embed", "--model", model, "--weights", snapshot, "--images", faces, "--pairs",
               faces / "pairs.txt", "--out", embeddings, "--device", "cpu")
    return SimpleNamespace(model=model, snapshot=snapshot, faces=faces,
                           pairs=faces / "pairs.txt", embeddings=embeddings)
