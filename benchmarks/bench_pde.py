"""PINN benchmark: DeepXDE 1.15 (PyTorch backend) against simbias on the same problems, side by side.

    OMP_NUM_THREADS=1 python benchmarks/bench_pde.py [--budget 60] [--budget-b 120] [--problems a,b]
                                                      [--seeds 0] [--ritz] [--ritz-steps 5000] [--json out.json]

Problems (−u″ = f, Dirichlet data and f from the exact u):

* (a) [−1, 1], u = sin πx + 0.1 sin 10πx, 256 residual points, 3 × 64 tanh networks
  (peers.md §10, the timing anchor);
* (b) [0, 1], u = sin 2πx + 0.1 sin 50πx — DeepXDE's own multi-scale example
  (``Poisson_multiscale_1d.py``): 1280 residual points resampled every step, 3 × 100 hidden.

Contenders.  DeepXDE's PyPI release has no PyTorch MsFFN, so it runs its plain ``FNN`` and its
documented way to add Fourier features, ``FNN`` + ``apply_feature_transform`` with a fixed
[cos xB, sin xB] map (B: half the columns N(0, 1), half N(0, 10²)); Adam 1e-3 (plus the demo's
inverse-time decay on (b)), loss weights 1, its default Hammersley points.  simbias runs the same
plain MLP (to compare the engines), its MsFFN (:class:`simbias.nn.MultiScaleFourierNet`, σ = 1, 10,
B stored as a buffer), an MscaleDNN-2 (sin, scales 1, 2, 4, … up to 32 on (a) and 128 on (b)) and
an MscaleDNN-1 with a sin/cos first layer (same scales), each with the PINN recipe simbias
ships: the residual divided by mean f² with a relative boundary penalty β = 0.1, the same number
of residual points drawn afresh every step by stratified sampling, Adam 3e-3 × (1 − 1e-3)^t,
Xavier initialisation.

Every run trains for the same CPU-time ``--budget`` (one thread, same process; runs alternate
between the frameworks), evaluating the relative L2 error on 2001 uniform points every 100
steps (this evaluation is inside the timed loop for both).  Reported: CPU ms per step, the CPU
and wall time to reach a relative L2 error of 1e-3, and the error at the end of the budget (the
"error at equal time").

``--ritz`` adds the MSCALE-Ritz setting of the authors' ``mscalednn`` code (author-code.md §6:
−u″ = μ² sin μx, μ = 6π, Deep Ritz, β = 1000, 1000 + 100 fresh points, Adam 1e-4 × (1 − 5e-7)^t,
5000 steps, MscaleDNN 6 × 1-30-30-30-1 with scales 32 vs normal 1-180-180-180-1, both sin) through
simbias, compared with the original code's saved numbers (MscaleDNN 0.0177, normal 0.995 after
5000 steps; error = |Ω|·mean (u_θ − u)² on 201 points), plus the simbias preset ``mscale-poisson``
(scales 1…32, stratified points, lr decay) for the same budget of steps.

Without DeepXDE installed (``pip install -e '.[bench]'``) its rows are skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("DDE_BACKEND", "pytorch")
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

from simbias import nn as snn  # noqa: E402
from simbias import problems, train  # noqa: E402

PROBLEMS = {
    "a": dict(label="(a) [−1, 1], u = sin πx + 0.1 sin 10πx, 256 points, 3 × 64 tanh",
              a=1.0, b=10.0, lo=-1.0, hi=1.0, n_res=256, resample=False, width=64, dde_decay=None,
              scales=(1, 2, 4, 8, 16, 32)),
    "b": dict(label="(b) [0, 1], u = sin 2πx + 0.1 sin 50πx, 1280 resampled points, 3 × 100 (DeepXDE demo)",
              a=2.0, b=50.0, lo=0.0, hi=1.0, n_res=1280, resample=True, width=100, dde_decay=("inverse time", 2000, 0.9),
              scales=(1, 2, 4, 8, 16, 32, 64, 128)),
}
TARGET = 1e-3
EVAL_EVERY = 100


def exact_np(p, x):
    return np.sin(p["a"] * np.pi * x) + 0.1 * np.sin(p["b"] * np.pi * x)


def rhs_torch(p, x):
    a, b = p["a"] * math.pi, p["b"] * math.pi
    return a * a * torch.sin(a * x) + 0.1 * b * b * torch.sin(b * x)


class Trace:
    """(step, cpu s, wall s, rel. L2) every EVAL_EVERY steps; times exclude nothing (evaluation included)."""

    def __init__(self, p):
        self.x = np.linspace(p["lo"], p["hi"], 2001)[:, None]
        self.u = exact_np(p, self.x)[:, 0]
        self.xt = torch.as_tensor(self.x, dtype=torch.float32)
        self.rows = []
        self.c0, self.w0 = time.process_time(), time.perf_counter()

    def add(self, step, net):
        with torch.no_grad():
            pred = net(self.xt).reshape(-1).double().numpy()
        err = float(np.linalg.norm(pred - self.u) / np.linalg.norm(self.u))
        self.rows.append((step, time.process_time() - self.c0, time.perf_counter() - self.w0, err))
        return self.rows[-1][1]

    def result(self, name, framework, params):
        rows = np.array(self.rows)
        hit = np.nonzero(rows[:, 3] <= TARGET)[0]
        steps, cpu = rows[-1, 0], rows[-1, 1]
        return {"name": name, "framework": framework, "params": int(params), "steps": int(steps),
                "cpu_ms_per_step": 1000 * cpu / max(steps, 1), "cpu_s": float(cpu), "wall_s": float(rows[-1, 2]),
                "final_rel_l2": float(rows[-1, 3]), "best_rel_l2": float(rows[:, 3].min()),
                "cpu_s_to_target": float(rows[hit[0], 1]) if hit.size else None,
                "wall_s_to_target": float(rows[hit[0], 2]) if hit.size else None,
                "steps_to_target": int(rows[hit[0], 0]) if hit.size else None,
                "trace": rows.tolist()}


# -- DeepXDE ---------------------------------------------------------------------------------
def deepxde_available():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import deepxde  # noqa: F401
    except Exception as exc:  # ImportError, or a backend that fails to load
        return None, f"{type(exc).__name__}: {exc}"
    import deepxde as dde

    if dde.backend.backend_name != "pytorch":
        return None, f"DeepXDE backend is {dde.backend.backend_name!r}; set DDE_BACKEND=pytorch"
    return dde, None


def run_deepxde(dde, p, kind, seed, budget):
    dde.config.set_random_seed(seed)
    torch.set_num_threads(1)
    geom = dde.geometry.Interval(p["lo"], p["hi"])

    def pde(x, y):
        return -dde.grad.hessian(y, x) - rhs_torch(p, x)

    bc = dde.icbc.DirichletBC(geom, lambda x: exact_np(p, x), lambda x, on_b: on_b)
    data = dde.data.PDE(geom, pde, bc, num_domain=p["n_res"], num_boundary=2,
                        solution=lambda x: exact_np(p, x), num_test=100)
    w = p["width"]
    if kind == "fnn":
        net = dde.nn.FNN([1, w, w, w, 1], "tanh", "Glorot normal")
    else:
        g = torch.Generator().manual_seed(seed)
        m = w // 4
        b = torch.cat([torch.randn(1, m, generator=g), 10 * torch.randn(1, m, generator=g)], dim=1)
        net = dde.nn.FNN([2 * b.shape[1], w, w, 1], "tanh", "Glorot normal")
        net.apply_feature_transform(lambda x: torch.cat([torch.cos(x @ b), torch.sin(x @ b)], dim=1))
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3, decay=p["dde_decay"], verbose=0)
    trace = Trace(p)

    class Watch(dde.callbacks.Callback):
        def on_epoch_end(self):
            step = self.model.train_state.step
            if step % EVAL_EVERY == 0 and trace.add(step, self.model.net) >= budget:
                self.model.stop_training = True

    callbacks = [Watch()]
    if p["resample"]:
        callbacks.insert(0, dde.callbacks.PDEPointResampler(period=1))
    trace.add(0, net)
    model.train(iterations=10_000_000, display_every=10_000_000, callbacks=callbacks, verbose=0)
    params = sum(t.numel() for t in net.parameters() if t.requires_grad)
    label = "DeepXDE FNN" if kind == "fnn" else "DeepXDE FNN + Fourier features (σ = 1, 10)"
    return trace.result(label, "deepxde", params)


# -- simbias ---------------------------------------------------------------------------------
SIMBIAS = {
    "mlp": "simbias MLP (tanh)",
    "msffn": "simbias MsFFN (σ = 1, 10)",
    "mscale": "simbias MscaleDNN-2 (sin, scales 1…{top})",
    "mscale1": "simbias MscaleDNN-1 (sin/cos first layer, tanh, scales 1…{top})",
}


def build_simbias(kind, p, seed):
    g = torch.Generator().manual_seed(seed)
    w = p["width"]
    if kind == "mlp":
        return snn.DenseStack(1, [w, w, w], 1, "tanh", init="xavier", generator=g)
    if kind == "msffn":
        return snn.MultiScaleFourierNet(1, [w, w, w], 1, sigmas=(1.0, 10.0), activation="tanh", init="xavier", generator=g)
    if kind == "mscale1":
        return snn.MscaleDNN1(1, [w // 2, w, w], 1, scales=p["scales"], activation="tanh", first_layer="sincos",
                              init="xavier", generator=g)
    return snn.MscaleDNN2(1, [w // 3] * 3, 1, scales=p["scales"], activation="sin", init="xavier", generator=g)


def run_simbias(p, kind, seed, budget, *, lr=3e-3, lr_decay=1e-3, beta=0.1):
    torch.set_num_threads(1)
    problem = problems.Manufactured(f"sin({p['a']}*pi*x) + 0.1*sin({p['b']}*pi*x)", problems.Interval(p["lo"], p["hi"]))
    net = build_simbias(kind, p, seed)
    opt = train.make_optimizer("adam", net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    n, lo, hi = p["n_res"], p["lo"], p["hi"]
    xb = torch.tensor([[lo], [hi]])
    scale = float(rhs_torch(p, torch.linspace(lo, hi, 4001)).square().mean())  # mean f²: the residual's scale
    fixed = None

    def points():
        u = (torch.randperm(n, generator=gen) + torch.rand(n, generator=gen)) / n  # one point per cell
        return (lo + (hi - lo) * u)[:, None].float()

    def objective(model, step):
        xi = points() if (fixed is None) else fixed
        return problems.residual_loss(model, problem, xi, xb, beta=beta * scale) / scale

    trace = Trace(p)
    trace.add(0, net)
    step = 0
    while True:
        train.fit(net, problem, opt, steps=EVAL_EVERY, loss=objective, record=train.Record(every=None),
                  lr_decay=lr_decay)
        step += EVAL_EVERY
        if trace.add(step, net) >= budget:
            break
    params = sum(t.numel() for t in net.parameters() if t.requires_grad)
    return trace.result(SIMBIAS[kind].format(top=max(p["scales"])), "simbias", params)


# -- MSCALE-Ritz -----------------------------------------------------------------------------
def run_ritz(steps, seed=0):
    from simbias.experiments import resolve_spec, run

    out = {}
    faithful = [f"train.steps={steps}", "train.lr=1e-4", "train.lr_decay=5e-7", 'train.sampler="random"',
                "model.scales=[32.0, 32.0, 32.0, 32.0, 32.0, 32.0]", f"record.every={steps // 10}", f"seed={seed}"]
    for label, over in (("faithful (scales 32, random points, lr 1e-4 × (1 − 5e-7)^t)", faithful),
                        ("simbias preset mscale-poisson (scales 1…32, stratified, lr 1e-3 × (1 − 2e-3)^t)",
                         [f"train.steps={steps}", f"record.every={steps // 10}", f"seed={seed}"])):
        spec, _ = resolve_spec("mscale-poisson", over)
        t0, c0 = time.perf_counter(), time.process_time()
        res, _ = run(spec)
        h = res.history
        out[label] = {"domain_mse": res.summary["domain_mse"], "rel_l2": res.summary["rel_l2"],
                      "ms_per_step": res.summary["ms_per_step"], "wall_s": time.perf_counter() - t0,
                      "cpu_s": time.process_time() - c0,
                      "curve": {n: [float(v) for v in h[f"{n}/domain_mse"]] for n in ("mscale", "normal")},
                      "curve_steps": [int(s) for s in h.steps]}
    return out


# -- report ----------------------------------------------------------------------------------
def fmt_t(v):
    return "not reached" if v is None else f"{v:.1f}"


def table(rows):
    lines = ["| model | seed | params | CPU ms/step | steps in budget | CPU s to 1e-3 | wall s to 1e-3 | rel. L2 at budget | best rel. L2 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r.get('seed', 0)} | {r['params']} | {r['cpu_ms_per_step']:.2f} | {r['steps']} | "
                     f"{fmt_t(r['cpu_s_to_target'])} | {fmt_t(r['wall_s_to_target'])} | {r['final_rel_l2']:.2e} | "
                     f"{r['best_rel_l2']:.2e} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=60.0, help="CPU seconds per run on (a) (default 60)")
    ap.add_argument("--budget-b", type=float, default=None, help="CPU seconds per run on (b) (default 2 × --budget)")
    ap.add_argument("--problems", default="a,b")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds")
    ap.add_argument("--only", default="", help="comma-separated subset of fnn,ff,mlp,msffn,mscale,mscale1")
    ap.add_argument("--ritz", action="store_true", help="also run the MSCALE-Ritz comparison")
    ap.add_argument("--ritz-steps", type=int, default=5000)
    ap.add_argument("--json", help="write all results here")
    args = ap.parse_args(argv)

    dde, why = deepxde_available()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}; "
          f"torch {torch.__version__}; threads = {torch.get_num_threads()}; "
          f"DeepXDE {dde.__version__ if dde else 'not available'}; {time.strftime('%Y-%m-%d')}")
    if dde is None:
        print(f"note: DeepXDE rows skipped ({why}); install with: pip install -e '.[bench]'")
    only = set(filter(None, args.only.split(",")))
    results = {}
    for key in args.problems.split(","):
        p = PROBLEMS[key]
        budget = args.budget if key == "a" else (args.budget_b or 2 * args.budget)
        rows = []
        for seed in (int(s) for s in args.seeds.split(",")):
            # alternate the frameworks so that load from other processes hits both alike
            jobs = [("deepxde", "fnn"), ("simbias", "mlp"), ("deepxde", "ff"), ("simbias", "msffn"),
                    ("simbias", "mscale"), ("simbias", "mscale1")]
            jobs = [(fw, k) for fw, k in jobs if fw == "simbias" or dde is not None]
            for fw, kind in jobs:
                if only and kind not in only:
                    continue
                r = run_deepxde(dde, p, kind, seed, budget) if fw == "deepxde" else run_simbias(p, kind, seed, budget)
                r["seed"] = seed
                rows.append(r)
                print(f"  {key} seed {seed} {r['name']}: {r['cpu_ms_per_step']:.2f} ms/step, rel. L2 {r['final_rel_l2']:.2e} "
                      f"after {r['steps']} steps; 1e-3 after {fmt_t(r['cpu_s_to_target'])} CPU s", flush=True)
        results[key] = rows
        print(f"\n{p['label']} — CPU budget {budget:g} s per run, one thread\n")
        print(table(rows))
        print()
        for seed in sorted({r["seed"] for r in rows}):
            best = {fw: min((r["cpu_s_to_target"] for r in rows if r["seed"] == seed and r["framework"] == fw
                             and r["cpu_s_to_target"] is not None), default=None) for fw in ("deepxde", "simbias")}
            ratio = ("" if best["deepxde"] is None or best["simbias"] is None
                     else f" ({best['deepxde'] / best['simbias']:.1f}× faster than DeepXDE's best)")
            print(f"seed {seed}: best CPU time to 1e-3 (s): simbias {fmt_t(best['simbias'])}, "
                  f"DeepXDE {fmt_t(best['deepxde'])}{ratio}")
        print()
    if args.ritz:
        out = run_ritz(args.ritz_steps)
        results["ritz"] = out
        print(f"\nMSCALE-Ritz (−u″ = μ² sin μx, μ = 6π), {args.ritz_steps} steps; error = |Ω|·mean (u_θ − u)²\n")
        print("| setting | MscaleDNN | normal | ms/step (Mscale, normal) |\n|---|---|---|---|")
        print("| original code, saved run (TF1, author-code.md §6) | 0.0177 | 0.995 | 13.7, 4.5 (their machine) |")
        for label, r in out.items():
            d, ms = r["domain_mse"], r["ms_per_step"]
            print(f"| simbias, {label} | {d['mscale']:.3g} | {d['normal']:.3g} | {ms['mscale']:.1f}, {ms['normal']:.1f} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
