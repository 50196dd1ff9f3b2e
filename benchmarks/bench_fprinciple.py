"""Cost of measuring: the fprinciple-1d training through simbias (Δ_F at every step) against a plain
PyTorch loop of the same network, data and optimiser that records nothing.  Same process, one thread.

    python benchmarks/bench_fprinciple.py [--steps 300] [--rounds 15] [--wall] [--skip-run] [--skip-notebook]

Each round times every variant once, in an order that rotates (and reverses every other round) so
that no variant always follows the same one; load from other processes then hits all alike.  The
ratio to the plain loop is taken per round (the two times of a round were measured seconds apart)
and its median and quartiles over the rounds are reported, with every round's ratio.

The plain loop is the tight PyTorch loop a researcher would write for this network:
``zero_grad(set_to_none=True)``, forward, the same MSE expression simbias differentiates
(``((h - y) ** 2).mean()``), ``backward``, ``step`` of the same ``torch.optim.Adam``; it records
nothing.  (``F.mse_loss`` instead of the expression, or ``Adam(foreach=True)``, measured no faster
on one CPU thread.)  Also times the original notebook's setting (author-code.md FP-1D-a:
101 points, tanh 1-200-200-200-100-1, Adam 2e-4, every epoch a test loss on 1000 points and the
output stored) through simbias.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)

from simbias import train  # noqa: E402
from simbias.experiments import resolve_spec, run  # noqa: E402
from simbias.experiments._common import build_mlp, build_regression, seeds_for, torch_dtype  # noqa: E402


def _clock() -> float:
    """CPU seconds of this process (one thread): on a shared machine wall time also counts the time
    other processes held the core; ``--wall`` switches to wall time."""
    return time.perf_counter() if WALL else time.process_time()


WALL = False


def build(spec):
    seeds = seeds_for(spec.seed)
    dtype = torch_dtype(spec.dtype)
    problem = build_regression(spec.problem, seeds=seeds, dtype=dtype, device="cpu")
    model = build_mlp(spec.model, 1, 1, seed=seeds["init"], dtype=dtype, device="cpu")
    return problem, model


def plain_loop(spec, steps):
    problem, model = build(spec)
    opt = torch.optim.Adam(model.parameters(), lr=spec.train.lr)
    x, y = problem.x_train, problem.y_train
    t0 = _clock()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    return (_clock() - t0) / steps


def simbias_fit(spec, steps):
    problem, model = build(spec)
    opt = torch.optim.Adam(model.parameters(), lr=spec.train.lr)
    rec = train.Record(every=1, probes=(train.TrainLoss(), train.PeakError()))
    t0 = _clock()
    train.fit(model, problem, opt, steps=steps, record=rec)
    return (_clock() - t0) / steps


def simbias_fit_bare(spec, steps):
    """``fit`` recording nothing but its per-step loss (the engine's own loop, no probes)."""
    problem, model = build(spec)
    opt = torch.optim.Adam(model.parameters(), lr=spec.train.lr)
    rec = train.Record(every=None, probes=())
    t0 = _clock()
    train.fit(model, problem, opt, steps=steps, record=rec)
    return (_clock() - t0) / steps


def simbias_run(spec, steps):
    import dataclasses

    # keep the preset's snapshot density (50 snapshots over its 2000 steps → one every 40 steps)
    every = spec.record.snapshot_every or max(1, spec.train.steps // 50)
    spec = dataclasses.replace(spec, train=dataclasses.replace(spec.train, steps=steps),
                               record=dataclasses.replace(spec.record, snapshot_every=every))
    t0 = _clock()
    run(spec)
    return (_clock() - t0) / steps


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _quartiles(v):
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return q[0], statistics.median(v), q[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--wall", action="store_true", help="time wall seconds instead of this process's CPU seconds")
    ap.add_argument("--skip-run", action="store_true", help="skip the whole-experiment variant")
    ap.add_argument("--skip-notebook", action="store_true", help="skip the FP-1D-a timing")
    args = ap.parse_args()
    global WALL
    WALL = args.wall
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"threads = {torch.get_num_threads()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    spec, _ = resolve_spec("fprinciple-1d")
    variants = {"plain": plain_loop, "fit": simbias_fit, "fit_bare": simbias_fit_bare}
    if not args.skip_run:
        variants["run"] = simbias_run
    times = {k: [] for k in variants}
    for f in variants.values():  # warm-up
        f(spec, 20)
    load = [os.getloadavg()[0]]
    keys = list(variants)
    for r in range(args.rounds):
        order = keys[r % len(keys):] + keys[:r % len(keys)]
        for k in (order[::-1] if r % 2 else order):
            times[k].append(variants[k](spec, args.steps))
        load.append(os.getloadavg()[0])
    ratios = {k: [b / a for a, b in zip(times["plain"], v)] for k, v in times.items() if k != "plain"}
    print(f"clock: {'wall' if WALL else 'CPU time of this process'}; load average (1 min) during the rounds "
          f"{min(load):.2f}–{max(load):.2f}; per-round ratios fit/plain: "
          f"{', '.join(f'{v:.3f}' for v in ratios['fit'])}")
    print(f"fprinciple-1d ({spec.problem.n_train} points, widths {list(spec.model.widths)}), {args.rounds} rounds × "
          f"{args.steps} steps; ms/step median, ratio to the plain loop per round: median [quartiles] (min–max)")
    names = {"plain": "plain PyTorch loop, records nothing", "fit": "simbias fit, loss + Δ_F every step",
             "fit_bare": "simbias fit, per-step loss only", "run": "simbias run (+ snapshots every 40 steps)"}
    for k in variants:
        line = f"  {names[k]:42s} {statistics.median(times[k]) * 1e3:7.3f} ms/step"
        if k != "plain":
            lo, med, hi = _quartiles(ratios[k])
            line += f"   ratio {med:.3f} [{lo:.3f}, {hi:.3f}] ({min(ratios[k]):.3f}–{max(ratios[k]):.3f})"
        print(line)

    if args.skip_notebook:
        return
    a, _ = resolve_spec("fprinciple-1d", ["problem.domain=[-3.1415, 3.1415]", "problem.n_train=101",
                                          "train.lr=2e-4", "train.steps=1001", "record.snapshot_every=1"])
    t = simbias_run(a, 1001)
    print(f"FP-1D-a (original notebook setting: 101 points, Adam 2e-4, 1001 epochs, test loss and output stored "
          f"every epoch): simbias {t * 1e3:.2f} ms/step")


if __name__ == "__main__":
    main()
