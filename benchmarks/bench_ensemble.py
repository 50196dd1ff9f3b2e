"""``fit_ensemble`` against a plain PyTorch loop: many small two-layer ReLU nets.  One thread, same process.

    python benchmarks/bench_ensemble.py [--model twolayer|mlp] [--members 64] [--width 1000] [--points 50]
                                        [--steps 200] [--rounds 3]

Setting (issues 3 and 13): M two-layer ReLU nets f(x) = Σ_k a_k relu(w_k x + b_k) (``simbias.nn.TwoLayer``,
width 1000, 1-D input, init_t = 0.5), 50 training points, 200 full-batch Adam steps (lr 1e-3), MSE.

* **plain loop**: the M nets one after another, each ``torch.optim.Adam`` + forward/backward/step
  — what a researcher writes today.
* **fit_ensemble**: the M nets in lockstep (``simbias.train.fit_ensemble``, default settings:
  the fused compiled step of ``train/_fused.py`` — equal to ``fit`` within the float32 tolerance
  table — recording the train loss every step; its compilation is timed apart, before the rounds).
  ``fused=False``: the hand-batched kernels (bit for bit equal to ``fit``); with ``--all`` also
  ``exact=False``, ``chunk_size=M`` and the generic ``torch.func.vmap`` kernel.

Times are CPU seconds of this process (``time.process_time``; one thread, so that is the time
the work took on the core) — on a shared machine wall time also counts the time other processes
held the core (``--device cuda``: synchronised wall seconds).  Rounds alternate the variants so
that cache and memory-bandwidth contention from other processes hits all alike; the median round
is reported (all rounds are printed, and wall
times for reference).  Then the time per member-step for M = 1, 8, 64, 512, and
the achieved FLOP/s and memory traffic against this machine's single-thread sgemm peak and copy
bandwidth, measured in the same process.

FLOPs per member-step (n points, width m, d = 1): forward z = xw+b (2nm), relu (nm), out = h·a
(2nm); backward ∂a = hᵀg (2nm), g·aᵀ (nm), relu' (nm), ∂w = ∂zᵀx (2nm), ∂b = Σ∂z (nm) → 12nm.
Memory traffic: ≈ 11 reads/writes of an n×m activation per member-step (4 bytes each).
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)

from simbias import nn as snn  # noqa: E402
from simbias import train  # noqa: E402


MODEL = "twolayer"
DEVICE = torch.device("cpu")


def make_nets(M: int, width: int, seed0: int = 0) -> list[torch.nn.Module]:
    """``TwoLayer`` (no output bias, h @ w.T + b) or an ``MLP`` with widths [width] (``nn.Linear`` layers)."""
    if MODEL == "mlp":
        nets = [snn.MLP(1, [width], 1, activation="relu", init="power", init_t=0.5,
                        generator=torch.Generator().manual_seed(seed0 + i)) for i in range(M)]
    else:
        nets = [snn.TwoLayer(1, width, activation="relu", init_t=0.5,
                             generator=torch.Generator().manual_seed(seed0 + i)) for i in range(M)]
    return [n.to(DEVICE) for n in nets]


def data(n: int):
    x = torch.linspace(-1.0, 1.0, n)[:, None]
    y = torch.sin(3 * torch.pi * x) + 0.5 * torch.sin(7 * torch.pi * x)
    return x.to(DEVICE), y.to(DEVICE)


class _Problem:
    def __init__(self, x, y):
        self.x_train, self.y_train = x, y


LOOP_MEMBERS = 0  # > 0: time the plain loop on this many members and scale to all (it is linear in M)


def plain_loop(nets, x, y, steps: int, lr: float) -> float:
    scale = 1.0
    if 0 < LOOP_MEMBERS < len(nets):
        scale, nets = len(nets) / LOOP_MEMBERS, nets[:LOOP_MEMBERS]
    nets = [copy.deepcopy(n) for n in nets]
    t0 = _clock()
    for net in nets:
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
    return (_clock() - t0) * scale


INFO: dict = {}


def ensemble(nets, x, y, steps: int, lr: float, **kw) -> float:
    kernel = kw.pop("kernel", "auto")
    exact = kw.pop("exact", None)
    fused = kw.pop("fused", None)
    ens = train.Ensemble([copy.deepcopy(n) for n in nets], kernel=kernel, exact=exact, fused=fused)
    opt = train.EnsembleAdam(ens.parameters(), lr=lr)
    t0 = _clock()
    h = train.fit_ensemble(ens, _Problem(x, y), opt, steps=steps,
                           record=train.Record(every=1, probes=(train.TrainLoss(),)), **kw)
    INFO.clear()
    INFO.update(h.info)
    return _clock() - t0


def sgemm_peak(size: int = 2048, repeat: int = 5) -> float:
    if DEVICE.type == "cuda":
        size = 8192
    a, b = torch.randn(size, size, device=DEVICE), torch.randn(size, size, device=DEVICE)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeat))
    return 2 * size ** 3 / best


def copy_bandwidth(n_bytes: int, repeat: int = 5) -> float:
    a = torch.empty(n_bytes // 4, device=DEVICE)
    b = torch.empty_like(a)
    a.fill_(1.0)
    b.copy_(a)
    best = min(_timed(lambda: b.copy_(a)) for _ in range(repeat))
    return 2 * n_bytes / best  # read + write


def _clock() -> float:
    if DEVICE.type == "cuda":  # wall time after the device has finished
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time()


def _timed(fn) -> float:
    t0 = _clock()
    fn()
    return _clock() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=64)
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scaling-steps", type=int, default=20)
    ap.add_argument("--all", action="store_true", help="also the unfused variants exact=False, chunk_size=M, vmap")
    ap.add_argument("--scaling", type=int, nargs="*", default=[1, 8, 64, 512],
                    help="ensemble sizes of the per-member-step table (none: skip it)")
    ap.add_argument("--model", choices=("twolayer", "mlp"), default="twolayer",
                    help="simbias.nn.TwoLayer (default) or simbias.nn.MLP with widths [width]")
    ap.add_argument("--device", default="cpu", help="cpu (CPU seconds of this process) or cuda (wall seconds, synchronised)")
    ap.add_argument("--loop-members", type=int, default=0,
                    help="time the plain loop on this many members and scale to --members (0: all)")
    args = ap.parse_args()
    global MODEL, DEVICE, LOOP_MEMBERS
    MODEL = args.model
    DEVICE = torch.device(args.device)
    LOOP_MEMBERS = args.loop_members
    if DEVICE.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_ensemble.py: --device cuda but torch.cuda.is_available() is False; use --device cpu")
    M, m, n, steps = args.members, args.width, args.points, args.steps
    x, y = data(n)
    nets = make_nets(M, m)
    print(f"simbias fit_ensemble benchmark — {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
          f"torch {torch.__version__}, threads = {torch.get_num_threads()} (one thread), "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
    kind = "TwoLayer" if MODEL == "twolayer" else f"MLP widths [{m}]"
    if DEVICE.type == "cuda":
        print(f"device: {torch.cuda.get_device_name()} (times are synchronised wall seconds)")
    if LOOP_MEMBERS:
        print(f"plain loop timed on {LOOP_MEMBERS} of the {M} members and scaled by {M / LOOP_MEMBERS:g} (linear in M)")
    print(f"setting: {M} two-layer ReLU nets ({kind}, width {m}, d = 1), {n} points, {steps} full-batch Adam steps")

    # compilation of the fused step (train/_fused.py), timed apart: one short fit on the same shapes
    w0 = time.perf_counter()
    ensemble(nets[:2], x, y, 1, args.lr, fused=True)
    compile_wall = time.perf_counter() - w0
    fused_on = bool(INFO.get("fused"))
    cache = os.environ.get("TORCHINDUCTOR_CACHE_DIR", "inductor's default cache dir")
    print(f"fused step: {'on' if fused_on else 'UNAVAILABLE (fallback kernels)'}; first compile in this process "
          f"{INFO.get('compile_s', 0.0):.1f} s (wall {compile_wall:.1f} s, not in the times below; compiled code cached "
          f"in {cache})")

    variants = {
        "plain loop": lambda: plain_loop(nets, x, y, steps, args.lr),
        "fit_ensemble": lambda: ensemble(nets, x, y, steps, args.lr),
        "fit_ensemble fused=False": lambda: ensemble(nets, x, y, steps, args.lr, fused=False),
    }
    if args.all:
        variants.update({
            "fit_ensemble fused=False exact=False": lambda: ensemble(nets, x, y, steps, args.lr, fused=False, exact=False),
            "fit_ensemble fused=False chunk_size=M": lambda: ensemble(nets, x, y, steps, args.lr, fused=False,
                                                                      chunk_size=M),
            "fit_ensemble kernel=vmap": lambda: ensemble(nets, x, y, steps, args.lr, kernel="vmap"),
        })
    times: dict[str, list[float]] = {k: [] for k in variants}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(args.rounds):
        for name, fn in variants.items():
            w0 = time.perf_counter()
            times[name].append(fn())
            walls[name].append(time.perf_counter() - w0)
    base = statistics.median(times["plain loop"])
    base_wall = statistics.median(walls["plain loop"])
    print(f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("\n| variant | CPU s (median) | all rounds, CPU s | ms per step (all members) | speed-up vs plain loop "
          "| wall s (median) | wall speed-up |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(ts)
        bw = statistics.median(walls[name])
        print(f"| {name} | {med:.2f} | {', '.join(f'{t:.2f}' for t in ts)} | {1e3 * med / steps:.2f} | "
              f"**{base / med:.1f}×** | {bw:.2f} | {base_wall / bw:.1f}× |")

    peak = sgemm_peak()
    bw_l2 = copy_bandwidth(512 << 10)
    bw_mem = copy_bandwidth(512 << 20)
    flop_ms = 12 * n * m
    bytes_ms = 11 * n * m * 4
    print(f"\nmachine peaks (same process, one thread): sgemm 2048³ {peak / 1e9:.1f} GFLOP/s; "
          f"copy bandwidth (read+write) {bw_l2 / 1e9:.1f} GB/s in L2 (512 KiB), {bw_mem / 1e9:.1f} GB/s "
          f"from memory (512 MiB)")
    print(f"work per member-step: {flop_ms / 1e6:.2f} MFLOP, ≈ {bytes_ms / 1e6:.1f} MB of activation traffic")
    print("(the fused step keeps no n×m activation in memory: its compulsory traffic is the parameters, "
          "gradients and Adam moments, ~" f"{4 * 3 * m * 6 / 1e3:.0f} kB per member-step; so 'activation GB/s' below "
          "is the traffic the unfused kernels would need for the same work, and % of L2 copy bw > 100 means "
          "faster than any kernel that writes and re-reads the activations could be)")
    print("\n| M | kernel | s per member-step | plain loop | GFLOP/s | % of sgemm peak | activation GB/s "
          "| % of L2 copy bw |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    loop_per = base / (M * steps)
    for k in args.scaling:
        nk = make_nets(k, m, seed0=1000)
        s = args.scaling_steps
        for fused in ((True, False) if fused_on else (False,)):
            best = statistics.median([ensemble(nk, x, y, s, args.lr, fused=fused) for _ in range(3)])
            per = best / (k * s)
            print(f"| {k} | {'fused' if fused else 'unfused'} | {per * 1e6:.1f} µs | {loop_per * 1e6:.1f} µs | "
                  f"{flop_ms / per / 1e9:.2f} | {100 * flop_ms / per / peak:.1f} | {bytes_ms / per / 1e9:.1f} | "
                  f"{100 * bytes_ms / per / bw_l2:.0f} |")


if __name__ == "__main__":
    main()
