"""spectral-bias (Rahaman et al. 2019): the repeats as one ensemble against the same runs in a plain loop.

    python benchmarks/bench_spectral_bias.py [--steps 300] [--repeats 10] [--rounds 3] [--every 100]

Setting: the ``spectral-bias`` preset's networks and data exactly (200 points, k = 5 … 50, equal
amplitudes, ReLU MLP 1 → 6×256 → 1, PyTorch-default init from each repeat's seed, Adam 3e-4,
full batch), but only ``--steps`` steps; the normalised spectrum at the ten k every ``--every``
steps on both sides.

* **plain loop**: each repeat after the other, ``torch.optim.Adam`` + forward / backward / step
  and the spectrum as one matrix product every ``--every`` steps — what a researcher writes.
* **ensemble**: all repeats in lockstep through :func:`simbias.train.fit_ensemble` with the
  experiment's own probes (train loss every record, spectrum), i.e. what ``simbias run
  spectral-bias`` does.

One thread, one process, CPU time (``time.process_time``), rounds alternating the two; the best
round counts.  The cost per step does not change over training (full batch, fixed shapes), so the
full setting (60 000 steps) is **extrapolated** linearly from the measured steps; the script
says so in its output.
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)

from simbias import train  # noqa: E402
from simbias.experiments import resolve_spec  # noqa: E402
from simbias.experiments._spectral_bias import build_spectral_bias  # noqa: E402


def plain_loop(models, probs, spec, steps: int, every: int) -> float:
    models = [copy.deepcopy(m) for m in models]
    k = torch.tensor(spec.problem.frequencies, dtype=torch.float32)
    t0 = time.process_time()
    for net, pr in zip(models, probs):
        x, y = pr.x_train, pr.y_train
        n = x.shape[0]
        ang = 2 * torch.pi * (torch.arange(n, dtype=torch.float32) / n)[:, None] * k[None, :]
        basis = torch.cat([torch.cos(ang), -torch.sin(ang)], 1) / n
        opt = torch.optim.Adam(net.parameters(), lr=spec.train.lr)
        spectra = []
        for step in range(steps + 1):
            out = net(x)
            if step % every == 0 or step == steps:
                z = out.detach()[:, 0] @ basis
                spectra.append(torch.hypot(z[: len(k)], z[len(k):]))
            if step == steps:
                break
            loss = ((out - y) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.process_time() - t0


def ensemble(models, probs, spec, steps: int, every: int, probes=()) -> float:
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    opt = train.make_ensemble_optimizer("adam", ens, lr=spec.train.lr)
    t0 = time.process_time()
    train.fit_ensemble(ens, train.stack_problems(probs), opt, steps=steps,
                       record=train.Record(every=every, probes=probes))
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--full-steps", type=int, default=60000)
    args = ap.parse_args()
    spec, _ = resolve_spec("spectral-bias", [f"repeats={args.repeats}"])
    plan = build_spectral_bias(spec)
    probs, models = [f.problem for f in plan.fits], [f.model for f in plan.fits]
    probes = plan.fits[0].record.probes  # train loss and the normalised spectrum, as `simbias run`
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    print(f"spectral-bias benchmark, {_dt.date.today()}, {cpu}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread; {args.repeats} repeats of 1→6×256→1 on 200 points, "
          f"{args.steps} steps, spectrum every {args.every}")
    ensemble(models, probs, spec, 5, args.every, probes)  # warm-up (allocations, kernels)
    plain_loop(models[:1], probs[:1], spec, 5, args.every)
    loop_t, ens_t = [], []
    for r in range(args.rounds):
        loop_t.append(plain_loop(models, probs, spec, args.steps, args.every))
        ens_t.append(ensemble(models, probs, spec, args.steps, args.every, probes))
        print(f"  round {r}: plain loop {loop_t[-1]:.2f} s, ensemble {ens_t[-1]:.2f} s CPU")
    lo, en = min(loop_t), min(ens_t)
    print(f"best: plain loop {lo:.2f} s, ensemble {en:.2f} s → ensemble speed-up {lo / en:.2f}×")
    f = args.full_steps / args.steps
    print(f"EXTRAPOLATION (not measured): the full setting ({args.full_steps} steps, {args.repeats} seeds) "
          f"≈ plain loop {lo * f / 3600:.2f} h, ensemble {en * f / 3600:.2f} h of one core "
          f"(× {f:.0f} of the measured steps; the per-step cost is constant in full-batch training)")


if __name__ == "__main__":
    main()
