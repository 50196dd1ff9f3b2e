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

* **ensemble, member-tiled Adam** (``--tiled``): the same, with :class:`TiledAdam` — EnsembleAdam's
  operations in the same order, applied member by member so that each member's parameters and
  moments stay in cache (bit for bit the same numbers; a proposal for ``train/_ensemble.py``).
* **ensemble, compiled Adam** (``--compiled``): with ``train/_fused.FusedAdam`` (one compiled
  kernel over all parameters; equal within the float32 tolerance table), which ``fit_ensemble``
  today uses only together with the fused one-hidden-layer step.

One thread, one process, CPU time (``time.process_time``), rounds alternating the variants; the
best round counts.  The cost per step does not change over training (full batch, fixed shapes), so the
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


def plain_loop(models, probs, spec, steps: int, every: int, progress: bool = False) -> float:
    models = [copy.deepcopy(m) for m in models]
    k = torch.tensor(spec.problem.frequencies, dtype=torch.float32)
    t0 = time.process_time()
    for r, (net, pr) in enumerate(zip(models, probs)):
        if progress and r:
            print(f"  loop: {r} of {len(models)} repeats done, {time.process_time() - t0:.1f} s CPU", flush=True)
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


class TiledAdam(train.EnsembleAdam):
    """:class:`~simbias.train.EnsembleAdam`'s update, operation for operation, one member at a time."""

    @torch.no_grad()
    def step(self, grads, active=None):
        self.t += 1
        bc1, bc2_sqrt = 1 - self.beta1 ** float(self.t), (1 - self.beta2 ** float(self.t)) ** 0.5
        members = range(self.n_members) if active is None else active.nonzero().flatten().tolist()
        neg = (-(self.lr / bc1)).to(self.params[0].dtype)
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            for i in members:
                m[i].lerp_(g[i], 1 - self.beta1)
                v[i].mul_(self.beta2).addcmul_(g[i], g[i], value=1 - self.beta2)
                pos = v[i] > 0
                denom = (torch.where(pos, v[i], 1.0).sqrt_().mul_(pos) / bc2_sqrt).add_(self.eps)
                p[i].add_((neg[i] * m[i]).div_(denom))


class CompiledAdam(train.EnsembleAdam):
    """:class:`~simbias.train.EnsembleAdam` whose step is ``train/_fused.FusedAdam`` (falls back when it fails)."""

    def step(self, grads, active=None):
        from simbias.train import _fused

        self._fused = getattr(self, "_fused", None) or _fused.FusedAdam(self)
        if not (_fused.fused_available() and self._fused.step(grads, active)):
            super().step(grads, active)


def ensemble(models, probs, spec, steps: int, every: int, probes=(), adam=train.EnsembleAdam,
             progress: bool = False) -> float:
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    opt = adam(list(ens.parameters()), lr=spec.train.lr)
    t0 = time.process_time()

    def tell(step):
        if step % 6000 == 0 and step:
            print(f"  ensemble: step {step} of {steps}, {time.process_time() - t0:.1f} s CPU", flush=True)

    h = train.fit_ensemble(ens, train.stack_problems(probs), opt, steps=steps,
                           record=train.Record(every=every, probes=probes), on_step=tell if progress else None)
    if progress:
        print(f"  ensemble: compiled Adam {h.info.get('fused_adam')}, compile {h.info.get('compile_s', 0):.1f} s", flush=True)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--full-steps", type=int, default=60000)
    ap.add_argument("--tiled", action="store_true", help="also time the member-tiled Adam")
    ap.add_argument("--compiled", action="store_true", help="also time the compiled Adam (needs a C++ compiler)")
    ap.add_argument("--only", choices=("loop", "ensemble"),
                    help="time one side once (the full setting: run both at once on two cores, one each)")
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
    if args.only:  # one side, one round, measured (no extrapolation); the ensemble decides on its compiled Adam
        if args.only == "loop":
            t = plain_loop(models, probs, spec, args.steps, args.every, progress=True)
        else:
            t = ensemble(models, probs, spec, args.steps, args.every, probes, progress=True)
        print(f"measured: {args.only} {t:.1f} s CPU = {t / 3600:.3f} h "
              f"({t / args.steps / args.repeats * 1e3:.2f} ms per member-step)", flush=True)
        return
    variants = {"ensemble": train.EnsembleAdam, **({"ensemble, tiled Adam": TiledAdam} if args.tiled else {}),
                **({"ensemble, compiled Adam": CompiledAdam} if args.compiled else {})}
    for adam in variants.values():  # warm-up (allocations, kernels, compilation)
        ensemble(models, probs, spec, 5, args.every, probes, adam)
    plain_loop(models[:1], probs[:1], spec, 5, args.every)
    times = {"plain loop": [], **{k: [] for k in variants}}
    for r in range(args.rounds):
        times["plain loop"].append(plain_loop(models, probs, spec, args.steps, args.every))
        for name, adam in variants.items():
            times[name].append(ensemble(models, probs, spec, args.steps, args.every, probes, adam))
        print(f"  round {r}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()) + " CPU", flush=True)
    best = {k: min(v) for k, v in times.items()}
    lo, f = best["plain loop"], args.full_steps / args.steps
    for name, t in best.items():
        print(f"best: {name} {t:.2f} s ({t / args.steps / args.repeats * 1e3:.2f} ms per member-step), "
              f"speed-up over the plain loop {lo / t:.2f}×; EXTRAPOLATION (not measured): the full setting "
              f"({args.full_steps} steps, {args.repeats} seeds) ≈ {t * f / 3600:.2f} h of one core "
              f"(× {f:.0f} the measured steps; the per-step cost of full-batch training is constant)")


if __name__ == "__main__":
    main()
