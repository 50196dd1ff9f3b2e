"""Write the preset-equality reference: every preset's smoke run (steps capped at 12) in float64.

The redesign of the experiment core must keep every preset's ``summary.json`` numbers;
``tests/test_preset_equality.py`` reruns the same smoke configurations and compares against the
file this script writes.  Float64 keeps the comparison meaningful on every CPU (the last-bit
differences between AVX-512 and AVX2 kernels stay far below the tolerance after a dozen steps).

Usage::

    python tools/preset_golden.py tests/data/preset_summaries.json   # write the reference
    python tools/preset_golden.py --compare     # largest relative difference per preset against it
"""

from __future__ import annotations

import dataclasses
import json
import sys

import torch

from simbias.experiments import list_presets, resolve_spec, run

CAP = 12


def shrink(spec, cap: int = CAP):
    """Cap every field named ``steps``/``iterations``/``sweeps`` at ``cap`` (as the preset smoke test)."""
    changes = {}
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if dataclasses.is_dataclass(v):
            changes[f.name] = shrink(v, cap)
        elif f.name in ("steps", "iterations", "sweeps") and isinstance(v, int) and v > cap:
            changes[f.name] = cap
    return dataclasses.replace(spec, **changes)


def smoke_summary(name: str) -> dict:
    spec, _ = resolve_spec(name, ["dtype=float64"])
    result, _ = run(shrink(spec))
    return json.loads(json.dumps(result.summary, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))


def compare() -> int:
    """Print each preset's largest relative difference against the reference (the test's own walk, no bound)."""
    import math
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_preset_equality import GOLDEN, _compare

    largest = {}
    for name in sorted(GOLDEN):
        worst = [0.0]
        _compare(smoke_summary(name), GOLDEN[name], name, worst, math.inf)
        largest[name] = worst[0]
        print(f"{name}: {worst[0]:.2e}", flush=True)
    top = max(largest, key=largest.get)
    print(f"largest: {largest[top]:.2e} ({top})")
    return 0


def main(argv: list[str]) -> int:
    torch.set_num_threads(1)
    if argv == ["--compare"]:
        return compare()
    out = {name: smoke_summary(name) for name in sorted(list_presets())}
    with open(argv[0], "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"{len(out)} presets written to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
