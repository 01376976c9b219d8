"""Shared fixtures of the Python tests. ctest runs them with the paths below in the environment
(tests/CMakeLists.txt); run by hand, from the repository root after scripts/build.sh:

    VISAGE_BIN=build/bin/visage VISAGE_PYTHON_PATH=build/python .venv/bin/python -m pytest python/tests
"""
import os
import subprocess
import sys
from pathlib import Path

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
