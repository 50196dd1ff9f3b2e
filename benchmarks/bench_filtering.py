"""Benchmark: the filtering method (Gaussian low-pass on a data set), ours vs the authors' dense code.

Compares, in the same run and on the same data,

* ``dense``: the authors' NumPy computation (``F-Principle/filter_gd.py``): the full n×n matrix of
  squared distances ``-2 x xᵀ + |x|² + |x|²ᵀ``, then per δ ``np.exp(-dist / 2 / δ)``, row
  normalisation ``kernel / sum``, ``kernel @ y`` and ``kernel @ h``, and the two relative errors.
  (The original keeps all 20 kernels in a list — 20 × 8n² bytes, 4 GB at n = 5 000 in float64;
  here the dense loop keeps one kernel at a time, which only helps the dense side.)
* ``ours``: :func:`simbias.spectral.filter_errors` (row blocks, distances once per block, every δ
  applied to the same block, numerator and denominator from one matmul).

Data: n points of 784 dims, uniform [0, 1] "pixels" (pairwise squared distances ≈ 784/6 ≈ 131, so
δ in the authors' grid linspace(2, 100, 20) spans kernel ≈ identity → ≈ mean), one-hot targets of 10
classes and softmax "predictions", from a seeded NumPy generator.  Both sides use the same dtype
(``--dtype``, default float64).  One thread (``torch.set_num_threads(1)`` and OMP/MKL/OpenBLAS = 1).

Each variant runs in its own subprocess, so peak memory is honest: ``ru_maxrss`` of that process
after the computation minus its ``ru_maxrss`` just before it (the data and imports are already
resident), plus the absolute peak.  The dense variant is not run when its n×n kernel would not fit
comfortably (n = 20 000: 3.2 GB per float64 n×n array, several alive at once); its kernel size is
printed instead.

Usage:  python benchmarks/bench_filtering.py [--n 5000 20000] [--dtype float64|float32] [--quick] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

D = 784
DENSE_MAX_N = 10_000


def make_data(n: int, dtype: str, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.random((n, D), dtype=np.float64).astype(dtype, copy=False)
    y = np.eye(10, dtype=dtype)[rng.integers(0, 10, n)]
    z = rng.standard_normal((n, 10))
    h = (np.exp(z) / np.exp(z).sum(1, keepdims=True)).astype(dtype)
    return x, y, h


def maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def dense_errors(x, y, h, deltas):
    """The authors' filter_gd.py computation, one kernel alive at a time."""
    import numpy as np

    dist = -2 * np.dot(x, x.T) + np.sum(x**2, axis=1) + np.sum(x**2, axis=1)[:, np.newaxis]
    e_low, e_high, high_share = [], [], []
    for filt in deltas:
        kernel = np.exp(-dist / 2 / filt)
        mean = np.sum(kernel, axis=1, keepdims=True)
        kernel = kernel / mean
        f_low = np.matmul(kernel, y)
        f_train_low = np.matmul(kernel, h)
        del kernel
        f_high, f_train_high = y - f_low, h - f_train_low
        e_low.append(np.linalg.norm(f_train_low - f_low) / np.linalg.norm(f_low))
        e_high.append(np.linalg.norm(f_train_high - f_high) / np.linalg.norm(f_high))
        high_share.append(np.linalg.norm(f_high) / np.linalg.norm(y))
    return np.array(e_low), np.array(e_high), np.array(high_share)


def worker(variant: str, n: int, dtype: str, n_delta: int) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from simbias.spectral import filter_errors, low_frequency_ratio

    deltas = np.linspace(2, 100, n_delta).astype(dtype)  # float32 deltas keep numpy in float32 (NEP 50)
    x, y, h = make_data(n, dtype)
    before = maxrss_mib()
    t0 = time.perf_counter()
    extra = {}
    if variant == "dense":
        e_low, e_high, share = dense_errors(x, y, h, deltas)
        extra["high_share"] = [float(v) for v in share]
    else:
        el, eh = filter_errors(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(h), deltas=deltas.tolist())
        e_low, e_high = el.numpy(), eh.numpy()
    seconds = time.perf_counter() - t0
    after = maxrss_mib()
    out = dict(
        variant=variant, n=n, dtype=dtype, n_delta=n_delta, seconds=seconds,
        peak_rss_mib=after, extra_peak_mib=after - before,
        e_low=[float(v) for v in e_low], e_high=[float(v) for v in e_high], **extra,
    )
    if variant == "ours":  # how much of the target is "low" at two δ (non-trivial split check)
        lfr = low_frequency_ratio(torch.from_numpy(x[:2000]), torch.from_numpy(y[:2000]), [4.0, 8.0])
        out["lfr_n2000_delta_4_8"] = [float(v) for v in lfr]
    return out


def run_variant(variant: str, n: int, dtype: str, n_delta: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--worker", variant, "--n", str(n), "--dtype", dtype, "--n-delta", str(n_delta)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return dict(variant=variant, n=n, error=res.stderr.strip().splitlines()[-1:] or ["failed"])
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--quick", action="store_true", help="5 deltas instead of the authors' 20")
    ap.add_argument("--repeat", type=int, default=1, help="runs per variant, alternating; the fastest is shown")
    ap.add_argument("--n-delta", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--worker", choices=["dense", "ours"], default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    n_delta = a.n_delta or (5 if a.quick else 20)
    if a.worker:
        print(json.dumps(worker(a.worker, a.n[0], a.dtype, n_delta)))
        return

    import numpy as np

    print(f"bench_filtering: d = {D}, dtype = {a.dtype} on both sides, {n_delta} deltas = linspace(2, 100, {n_delta})")
    print("threads = 1 (torch.set_num_threads(1); OMP/MKL/OPENBLAS_NUM_THREADS=1), one subprocess per variant")
    if a.repeat > 1:
        print(f"each variant run {a.repeat} times, alternating; seconds = fastest run (all runs listed)")
    print(f"{'n':>6} {'variant':>7} {'seconds':>9} {'extra peak MiB':>15} {'peak RSS MiB':>13}  note")
    for n in a.n:
        variants = ["ours"] if n > DENSE_MAX_N else ["dense", "ours"]
        runs: dict = {v: [] for v in variants}
        for _ in range(max(1, a.repeat)):
            for variant in variants:
                runs[variant].append(run_variant(variant, n, a.dtype, n_delta))
        rows = {}
        if n > DENSE_MAX_N:
            gb = 8 * n * n / 1e9 if a.dtype == "float64" else 4 * n * n / 1e9
            print(f"{n:>6} {'dense':>7} {'—':>9} {'—':>15} {'—':>13}  not run: one n×n kernel is {gb:.1f} GB")
        for variant in variants:
            ok_runs = [r for r in runs[variant] if "error" not in r]
            r = min(ok_runs, key=lambda r: r["seconds"]) if ok_runs else runs[variant][0]
            if len(ok_runs) > 1:
                r = dict(r, all_seconds=[round(q["seconds"], 2) for q in ok_runs])
            rows[variant] = r
            if "error" in r:
                print(f"{n:>6} {variant:>7}  failed: {r['error']}")
                continue
            note = ""
            if variant == "ours" and "dense" in rows and "error" not in rows["dense"]:
                d = rows["dense"]
                # e_high is only compared where the target's high part is not round-off
                # (at δ = 2 the kernel is ≈ identity and ‖y_high‖/‖y‖ ~ 1e-14 on both sides)
                ok = np.array(d["high_share"]) > 1e-8
                d_low = np.abs(np.array(r["e_low"]) - d["e_low"]).max()
                d_high = np.abs(np.array(r["e_high"]) - d["e_high"])[ok].max() if ok.any() else float("nan")
                note = (
                    f"speed-up {d['seconds'] / r['seconds']:.1f}x, extra-memory ratio "
                    f"{d['extra_peak_mib'] / max(r['extra_peak_mib'], 1e-9):.1f}x, max |Δe_low| = {d_low:.0e}, "
                    f"max |Δe_high| = {d_high:.0e} ({int((~ok).sum())} δ with round-off high part skipped)"
                )
            if variant == "ours":
                lfr = r["lfr_n2000_delta_4_8"]
                note += f"{'; ' if note else ''}LFR(δ=4, 8) of y on {min(n, 2000)} pts = {lfr[0]:.2f}, {lfr[1]:.2f}"
            if "all_seconds" in r:
                note += f"{'; ' if note else ''}runs {r['all_seconds']} s"
            mem = f"{r['extra_peak_mib']:>15.0f} {r['peak_rss_mib']:>13.0f}"
            print(f"{n:>6} {variant:>7} {r['seconds']:>9.2f} {mem}  {note}")


if __name__ == "__main__":
    main()
