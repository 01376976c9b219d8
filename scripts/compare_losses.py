#!/usr/bin/env python3
"""Compares the per-iteration training losses of two `visage train` JSON logs (--log), as the GPU
check does for the same run on the CPU and on the GPU (scripts/gpu_check.sh, step `train`).

  python3 scripts/compare_losses.py REFERENCE.jsonl OTHER.jsonl

Both runs start from the same weights and see the same batches; they differ only in the order
float sums are taken (OpenBLAS against cuBLAS and cuDNN), and those differences grow as training
feeds them back, and can flip a mined triplet. The tolerance says so:
  - iteration 0 (before any update): |other - reference| <= 1e-4 * (1 + |reference|);
  - every logged iteration:          |other - reference| <= 0.05 * (1 + |reference|);
  - the mean loss of the run:        within 2% of the reference's.
Exit status 0 when all three hold, 1 when one does not, 2 when a log cannot be read.
Needs only Python's standard library; prints the interpreter it runs under.
"""
import json
import sys


def losses(path):
    out = {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == "train":
                out[record["iter"]] = float(record["loss"])
    if not out:
        raise ValueError(f"{path}: no training lines")
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    print(f"compare_losses: {sys.executable}")
    try:
        reference, other = losses(sys.argv[1]), losses(sys.argv[2])
    except (OSError, ValueError, KeyError) as error:
        print(f"compare_losses: {error}", file=sys.stderr)
        return 2
    common = sorted(set(reference) & set(other))
    if common != sorted(reference) or common != sorted(other):
        print(f"compare_losses: the logs cover different iterations "
              f"({len(reference)} and {len(other)} lines)")
        return 1
    ok = True
    first = common[0]
    if abs(other[first] - reference[first]) > 1e-4 * (1 + abs(reference[first])):
        print(f"iteration {first}: {other[first]:.6g} against {reference[first]:.6g}: "
              "beyond 1e-4 before any update")
        ok = False
    worst = max(common, key=lambda i: abs(other[i] - reference[i]) / (1 + abs(reference[i])))
    worst_gap = abs(other[worst] - reference[worst]) / (1 + abs(reference[worst]))
    if worst_gap > 0.05:
        print(f"iteration {worst}: {other[worst]:.6g} against {reference[worst]:.6g}: beyond 5%")
        ok = False
    mean_reference = sum(reference[i] for i in common) / len(common)
    mean_other = sum(other[i] for i in common) / len(common)
    if abs(mean_other - mean_reference) > 0.02 * abs(mean_reference):
        print(f"mean loss {mean_other:.6g} against {mean_reference:.6g}: beyond 2%")
        ok = False
    print(f"{len(common)} iterations: iteration {first} {other[first]:.6g} against "
          f"{reference[first]:.6g}; largest gap {worst_gap:.2e} (relative to 1 + |loss|) at "
          f"iteration {worst}; mean {mean_other:.6g} against {mean_reference:.6g}: "
          f"{'within' if ok else 'OUTSIDE'} tolerance")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
