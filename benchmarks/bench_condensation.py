"""Two-layer benchmarks (issue 4): the condensation sweep and the full phase diagram, end to end
through the CLI, one thread.

    python benchmarks/bench_condensation.py [--skip-phase] [--baseline-steps 300]

1. ``simbias sweep condensation-1d --grid model.init_t=0.1,0.5,1`` — three width-1000 ReLU nets,
   10 000 full-batch GD steps each, trained as one fit_ensemble bucket, plus run directories,
   results.csv and the sweep figures.  Goal: < 30 s.  Baseline: the authors' notebook loop
   (author-code.md E12: a forward on the 10 000-point test grid every step, which is what made it
   take ~13 min), timed for ``--baseline-steps`` steps and extrapolated to 10 001.
2. ``simbias run phase-diagram`` — 5 widths up to 40 000 × 3 γ × 3 seeds = 45 nets trained to
   MSE < 1e-8 (≤ 20 000 steps).  Goal: < 10 min.

Every command runs in a subprocess with ``OMP_NUM_THREADS=1``; wall time and the subprocess's CPU
time (user + system) are reported, since the machine is shared (CPU ≈ wall on an idle machine).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> tuple[float, float, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return wall, cpu, r.stdout


def baseline(steps: int) -> float:
    """Seconds per step of the authors' E12 loop: SGD 0.05 on 4 points, width 1000, t = 1, and the
    output on the 10 000-point test grid computed every step (as the notebook does)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    m = 1000
    g = torch.Generator().manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(1, m), torch.nn.ReLU(), torch.nn.Linear(m, 1, bias=False))
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, m ** -1.0, generator=g)
    x = torch.linspace(-1, 1, 4)[:, None]
    y = 0.2 * torch.relu(x - 1 / 3) + 0.2 * torch.relu(-x - 1 / 3)
    xt = torch.linspace(-1.5, 1.5, 10000)[:, None]
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():
            net(xt)
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-phase", action="store_true")
    ap.add_argument("--baseline-steps", type=int, default=300)
    args = ap.parse_args()
    py = sys.executable
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, threads = 1, "
          f"{_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        wall, cpu, stdout = timed([py, "-m", "simbias", "sweep", "condensation-1d", "--grid", "model.init_t=0.1,0.5,1",
                                   "--out", str(out), "--quiet"])
        train_line = next((ln.strip() for ln in stdout.splitlines() if "members:" in ln), "")
        print(f"sweep condensation-1d --grid model.init_t=0.1,0.5,1: wall {wall:.1f} s, CPU {cpu:.1f} s "
              f"({train_line})")
        per_step = baseline(args.baseline_steps)
        print(f"authors' E12 loop: {1e3 * per_step:.1f} ms/step → {per_step * 10001:.0f} s for one 10 001-step run")
        if not args.skip_phase:
            wall, cpu, stdout = timed([py, "-m", "simbias", "run", "phase-diagram", "--out", str(Path(tmp) / "pd"),
                                       "--quiet", "--no-figures"])
            print(f"run phase-diagram (5 widths ≤ 40 000 × 3 γ × 3 seeds): wall {wall:.1f} s, CPU {cpu:.1f} s")
            for ln in stdout.splitlines()[1:]:
                print("   ", ln.strip())


if __name__ == "__main__":
    main()
