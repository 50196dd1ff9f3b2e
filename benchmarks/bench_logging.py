"""Cost of live logging: fprinciple-1d training with Δ_F recorded at every step (the presets'
densest recording), with no sink, with TensorBoard and with MLflow (local file store) receiving
every record live through ``fit(on_record=...)``.  Same process, one thread.

    python benchmarks/bench_logging.py [--steps 300] [--rounds 5]

Rounds alternate the three settings so that load from other processes hits all alike; the
median time per step and the ratio to the no-sink run are reported (issue 11: ≤ 1.05 wanted).
On a shared machine the wall-time ratios carry several per cent of noise, so the CPU time a sink
spends per record (both threads, measured alone on the same scalars) is reported as well, as a
share of one training step.
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
from simbias.experiments import resolve_spec  # noqa: E402
from simbias.experiments._common import build_mlp, build_regression, seeds_for, torch_dtype  # noqa: E402
from simbias.workflow import MLflowSink, TensorBoardSink, scalars_of  # noqa: E402


def timed(spec, steps, sink_factory):
    seeds = seeds_for(spec.seed)
    dtype = torch_dtype(spec.dtype)
    problem = build_regression(spec.problem, seeds=seeds, dtype=dtype, device="cpu")
    model = build_mlp(spec.model, 1, 1, seed=seeds["init"], dtype=dtype, device="cpu")
    opt = torch.optim.Adam(model.parameters(), lr=spec.train.lr)
    rec = train.Record(every=1, probes=train.default_probes(problem))
    with tempfile.TemporaryDirectory() as d:
        sink = sink_factory(Path(d)) if sink_factory else None
        hook = None if sink is None else (lambda step, vals: sink.on_record(step, scalars_of(vals)))
        t0 = time.perf_counter()
        if sink is not None:
            sink.on_start({"experiment": spec.experiment})
        train.fit(model, problem, opt, steps=steps, record=rec, on_record=hook)
        if sink is not None:
            sink.on_finish({})
        return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"threads = {torch.get_num_threads()}")
    spec, _ = resolve_spec("fprinciple-1d")
    settings = {
        "none": None,
        "none again": None,  # the same run twice: the noise floor of the ratios
        "tensorboard": lambda d: TensorBoardSink(d / "tb"),
        "mlflow": lambda d: MLflowSink((d / "mlruns").resolve().as_uri(), "bench"),
    }
    times = {k: [] for k in settings}
    timed(spec, 20, None)  # warm-up
    for _ in range(args.rounds):
        for k, f in settings.items():
            times[k].append(timed(spec, args.steps, f))
    base = statistics.median(times["none"])
    print(f"fprinciple-1d, {args.steps} steps, Δ_F + train loss every step, median of {args.rounds} rounds")
    for k, v in times.items():
        m = statistics.median(v)
        print(f"  {k:<12} {m * 1e3:8.3f} ms/step   ratio {m / base:.3f}")
    print("CPU time per record of each sink alone (train_loss + 3 peaks), as a share of one step:")
    sc = {"train_loss": 0.5, "peak_error/0": 0.1, "peak_error/1": 0.2, "peak_error/2": 0.3}
    for k, f in settings.items():
        if f is None:
            continue
        with tempfile.TemporaryDirectory() as d:
            sink = f(Path(d))
            t0 = time.process_time()
            for i in range(args.steps):
                sink.on_record(i, sc)
            sink.on_finish({})
            per = (time.process_time() - t0) / args.steps
        print(f"  {k:<12} {per * 1e3:8.3f} ms/record  = {100 * per / base:.1f} % of a step")


if __name__ == "__main__":
    main()
