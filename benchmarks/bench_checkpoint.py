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

Measured (Mon Nov 30 2026, AMD EPYC, 2 shared cores, load average ≈ 8, torch 2.13.0+cpu, one thread):
``--steps 20000 --rounds 1 --only-on``: 6.05 ms/step, 3 checkpoints of 20.6 / 65.0 / 63.0 ms
(file write 12–25 ms, last file 1.79 MB): 0.22 % at the default interval.  The wall-time
ratio of whole runs (``--steps 20000 --rounds 1``: off 204.2 s, on 227.1 s, off again 197.9 s)
is dominated by the load of other processes on that machine, not by the checkpoints.
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

from simbias import train  # noqa: E402
from simbias.experiments import resolve_spec, run  # noqa: E402
from simbias.experiments import _resume  # noqa: E402


def timed(spec, every) -> tuple[float, list[float], int]:
    """Wall time of one run; per checkpoint the whole cost (taking the engine's state, packing the
    history so far, writing): the time of the step that checkpointed minus the median step."""
    writes: list[float] = []
    size = [0]
    save = _resume.save_state
    fit = train.fit
    stamps: list[float] = []
    ckpt_steps: list[int] = []

    def timed_fit(*a, on_step=None, on_checkpoint=None, **kw):
        def step(s):
            stamps.append(time.perf_counter())
            if on_step is not None:
                on_step(s)

        def ck(c):
            ckpt_steps.append(len(stamps))
            on_checkpoint(c)
        return fit(*a, on_step=step, on_checkpoint=None if on_checkpoint is None else ck, **kw)

    def timed_save(path, state):
        t = time.perf_counter()
        save(path, state)
        writes.append(time.perf_counter() - t)
        size[0] = os.path.getsize(path)

    _resume.save_state = timed_save
    train.fit = timed_fit
    try:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            run(spec, Path(d) / "run", checkpoint_every=every)
            wall = time.perf_counter() - t0
    finally:
        _resume.save_state = save
        train.fit = fit
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    med = statistics.median(gaps) if gaps else 0.0
    # the checkpoint of step s is taken after on_step of step s-1: its cost lies in gap s-1 → s
    costs = [gaps[i - 1] - med for i in ckpt_steps if 0 < i <= len(gaps)]
    return wall, (costs, writes), size[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--every", default="auto", help="auto or a number of steps")
    ap.add_argument("--only-on", action="store_true", help="one run with checkpoints (the per-checkpoint cost only)")
    args = ap.parse_args()
    every = args.every if args.every == "auto" else int(args.every)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"threads = {torch.get_num_threads()}")
    spec, _ = resolve_spec("fprinciple-1d", [f"train.steps={args.steps}"])
    n = _resume.checkpoint_interval(every, args.steps)
    print(f"fprinciple-1d, {args.steps} steps, record every step; checkpoint interval {every} -> {n} steps")
    timed(resolve_spec("fprinciple-1d", ["train.steps=50"])[0], None)  # warm-up
    times: dict[str, list[float]] = {"on": []} if args.only_on else {"off": [], "on": [], "off again": []}
    writes: tuple = ([], [])
    size = 0
    for _ in range(args.rounds):
        for k in times:
            t, w, s = timed(spec, every if k == "on" else None)
            times[k].append(t)
            if k == "on":
                writes, size = w, s
    base = statistics.median(times["off" if "off" in times else "on"])
    for k, v in times.items():
        m = statistics.median(v)
        print(f"  {k:<10} {m:8.2f} s  ({m / args.steps * 1e3:.3f} ms/step)   ratio {m / base:.4f}   rounds {[round(x, 2) for x in v]}")
    costs, files = writes
    if costs and n:
        step_time = base / args.steps
        print(f"  {len(costs)} checkpoints per run; whole cost of each {[round(c * 1e3, 1) for c in costs]} ms "
              f"(of which the file write {[round(w * 1e3, 1) for w in files]} ms); last file {size / 1e6:.2f} MB")
        print(f"  overhead at the interval: largest checkpoint / ({n} steps x {step_time * 1e3:.3f} ms) = "
              f"{max(costs) / (n * step_time) * 100:.3f} %")


if __name__ == "__main__":
    main()
