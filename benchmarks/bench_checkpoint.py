"""Cost of run checkpoints: ``simbias run`` of fprinciple-1d (the preset's network and recording:
Δ_F and the train loss every step) through :func:`simbias.experiments.run` with checkpoints off
and at the default interval (``"auto"``: every 5 000 steps for runs of ≥ 20 000 steps), writing
``checkpoint.pt`` into a real run directory.  One thread, same process.

    python benchmarks/bench_checkpoint.py [--steps 20000] [--rounds 3] [--every auto]

Rounds alternate the settings (off, on, off again) so load from other processes hits all alike;
the median wall time and the ratio to the run without checkpoints are reported, plus the time
of one checkpoint write at the end of the run (the largest: the history so far is in it), its
size, and from it the overhead at the interval (write time / time of the steps between two
checkpoints), which is insensitive to the machine's load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)

from simbias.experiments import resolve_spec, run  # noqa: E402
from simbias.experiments import _resume  # noqa: E402


def timed(spec, every) -> tuple[float, list[float], int]:
    writes: list[float] = []
    size = [0]
    save = _resume.save_state

    def timed_save(path, state):
        t = time.perf_counter()
        save(path, state)
        writes.append(time.perf_counter() - t)
        size[0] = os.path.getsize(path)

    _resume.save_state = timed_save
    try:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            run(spec, Path(d) / "run", checkpoint_every=every)
            return time.perf_counter() - t0, writes, size[0]
    finally:
        _resume.save_state = save


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--every", default="auto", help="auto or a number of steps")
    args = ap.parse_args()
    every = args.every if args.every == "auto" else int(args.every)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"threads = {torch.get_num_threads()}")
    spec, _ = resolve_spec("fprinciple-1d", [f"train.steps={args.steps}"])
    n = _resume.checkpoint_interval(every, args.steps)
    print(f"fprinciple-1d, {args.steps} steps, record every step; checkpoint interval {every} -> {n} steps")
    timed(resolve_spec("fprinciple-1d", ["train.steps=50"])[0], None)  # warm-up
    times: dict[str, list[float]] = {"off": [], "on": [], "off again": []}
    writes: list[float] = []
    size = 0
    for _ in range(args.rounds):
        for k in times:
            t, w, s = timed(spec, every if k == "on" else None)
            times[k].append(t)
            if k == "on":
                writes, size = w, s
    base = statistics.median(times["off"])
    for k, v in times.items():
        m = statistics.median(v)
        print(f"  {k:<10} {m:8.2f} s  ({m / args.steps * 1e3:.3f} ms/step)   ratio {m / base:.4f}   rounds {[round(x, 2) for x in v]}")
    if writes and n:
        step_time = base / args.steps
        print(f"  {len(writes)} checkpoint writes per run, {[round(w * 1e3, 1) for w in writes]} ms; last file {size / 1e6:.2f} MB")
        print(f"  overhead at the interval: last write / ({n} steps x {step_time * 1e3:.3f} ms) = "
              f"{max(writes) / (n * step_time) * 100:.2f} %")


if __name__ == "__main__":
    main()
