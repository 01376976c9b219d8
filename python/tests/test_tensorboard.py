"""`visage train` writes TensorBoard event files that TensorBoard's own reader loads, with the same
figures as the JSON progress log."""
import json

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

SOLVER = """
net: "{source}/configs/quickstart/train_val.prototxt"
base_lr: 0.01
lr_policy: "step"
gamma: 0.5
stepsize: 4
momentum: 0.9
max_iter: 12
display: 2
test_interval: 6
random_seed: 3
snapshot_prefix: "{out}/run/face"
verification_test {{
  name: "heldout"
  blob: "embedding"
  pairs: "{out}/faces/pairs.txt"
  images: "{out}/faces"
}}
"""


def test_events_carry_the_logs_scalars(tmp_path, run_visage, source_dir):
    run_visage("synth", "--out", tmp_path / "faces", "--identities", 12, "--per-identity", 4,
               "--pairs", 10, "--folds", 2, "--first-identity", 1000000, "--seed", 5)
    solver = tmp_path / "solver.prototxt"
    solver.write_text(SOLVER.format(source=source_dir, out=tmp_path))
    run_visage("train", "--solver", solver, "--device", "cpu")

    log = [json.loads(line) for line in (tmp_path / "run" / "face_log.jsonl").read_text().split("\n")
           if line]
    train = [entry for entry in log if entry["type"] == "train"]
    verification = [entry for entry in log if entry["type"] == "verification"]
    assert len(train) == 6 and verification

    events = list((tmp_path / "run" / "face_tensorboard").glob("events.out.tfevents.*"))
    assert len(events) == 1
    accumulator = EventAccumulator(str(tmp_path / "run" / "face_tensorboard"))
    accumulator.Reload()
    tags = accumulator.Tags()["scalars"]
    for tag in ("train/loss", "train/learning_rate", "train/images_per_s",
                "verification/heldout/accuracy", "verification/heldout/auc",
                "verification/heldout/val@far=0.001"):
        assert tag in tags, f"{tag} not in {tags}"

    loss = accumulator.Scalars("train/loss")
    assert [s.step for s in loss] == [entry["iter"] for entry in train]
    assert [s.value for s in loss] == pytest.approx([entry["loss"] for entry in train], rel=1e-6)
    lr = accumulator.Scalars("train/learning_rate")
    assert [s.value for s in lr] == pytest.approx([entry["lr"] for entry in train], rel=1e-6)
    accuracy = accumulator.Scalars("verification/heldout/accuracy")
    assert [s.step for s in accuracy] == [entry["iter"] for entry in verification]
    assert [s.value for s in accuracy] == pytest.approx(
        [entry["accuracy"] for entry in verification], rel=1e-6)
    # Triplet mining statistics and other train outputs are scalars too.
    outputs = {f"train/{name.replace('.', '/')}" for name in train[-1]["outputs"]}
    assert outputs and outputs <= set(tags)

    # A fresh run in the same place replaces the earlier run's events rather than mixing with them.
    run_visage("train", "--solver", solver, "--device", "cpu")
    assert list((tmp_path / "run" / "face_tensorboard").glob("events.out.tfevents.*")) != events
    assert len(list((tmp_path / "run" / "face_tensorboard").glob("events.out.tfevents.*"))) == 1
