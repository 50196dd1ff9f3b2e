#!/usr/bin/env bash
# benchmarks/gpu.sh — the CUDA path of simbias on one GPU, in under 10 minutes.
#
#   bash benchmarks/gpu.sh            (from the repository root; PYTHON=... to choose the interpreter)
#
# 1. correctness: fit_ensemble on CUDA (fused step, unfused hand-batched kernels, a deeper MLP)
#    against each member's own fit on CUDA, float32, within the tolerance table (relative 1e-5);
# 2. a preset run with --device cuda (fprinciple-1d, 300 steps);
# 3. bench_ensemble.py on the GPU at M = 64, 512, 4096 (plain loop timed on 16 members, scaled);
# 4. the phase diagram on the GPU against a plain per-net PyTorch loop on the same GPU (the loop's
#    per-step time per width, times the steps the run took per width, times the nets per width).
# Prints a summary at the end (also written to $OUT_DIR/summary.txt).  Exit 0 when every check
# passed, 1 when one failed, 2 when there is no CUDA device.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT_DIR:-$(mktemp -d -t simbias-gpu-XXXX)}
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
status=0
T0=$(date +%s)

if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)" 2>/dev/null; then
    echo "gpu.sh: no CUDA device (torch.cuda.is_available() is False in $PY); run it on a machine with a GPU" >&2
    exit 2
fi
note() { echo "$*" | tee -a "$SUMMARY"; }
"$PY" -c "import torch; print('device:', torch.cuda.get_device_name(), '| torch', torch.__version__, '| CUDA', torch.version.cuda)" | tee -a "$SUMMARY"

# ---- 1. correctness ----------------------------------------------------------------------------
echo "== 1. ensemble vs per-member fit on CUDA"
if ! timeout 180 "$PY" - <<'EOF' 2>&1 | tee "$OUT/correctness.txt"; then status=1; fi
import copy, sys, torch
from simbias import nn as snn, train
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")
x = torch.linspace(-1, 1, 50, device=dev)[:, None]
y = torch.sin(3 * torch.pi * x)
class P: pass
pr = P(); pr.x_train, pr.y_train = x, y
def nets(kind, M=6):
    g = lambda i: torch.Generator().manual_seed(i)
    if kind == "twolayer":
        return [snn.TwoLayer(1, 256, activation="relu", init_t=0.5, generator=g(i)).to(dev) for i in range(M)]
    if kind == "mlp":
        return [snn.MLP(1, [256], 1, activation="tanh", init="power", init_t=0.5, generator=g(i)).to(dev) for i in range(M)]
    return [snn.MLP(1, [64, 64], 1, activation="tanh", generator=g(i)).to(dev) for i in range(M)]
worst_all, ok = 0.0, True
for kind in ("twolayer", "mlp", "deep"):
    for fused in ((True, False) if kind != "deep" else (None,)):
        ms = nets(kind)
        ens = train.Ensemble([copy.deepcopy(m) for m in ms], fused=fused)
        H = train.fit_ensemble(ens, pr, train.EnsembleAdam(ens.parameters(), lr=1e-3), steps=30)
        worst = 0.0
        for i, m in enumerate(ms):
            m = copy.deepcopy(m)
            h = train.fit(m, pr, torch.optim.Adam(m.parameters(), lr=1e-3), steps=30)
            worst = max(worst, float(abs(H.static["loss"][i] - h.static["loss"]).max() / abs(h.static["loss"]).max()))
            for n, p in m.named_parameters():
                q = ens.params[n][i]
                worst = max(worst, float((q - p.detach()).abs().max() / p.detach().abs().max()))
        good = worst <= 1e-5
        ok &= good
        print(f"{kind:8s} fused={H.info['fused']!s:5s} max relative difference to fit: {worst:.2e} "
              f"({'ok' if good else 'FAIL'}, tolerance 1e-5)")
sys.exit(0 if ok else 1)
EOF
sed 's/^/correctness: /' "$OUT/correctness.txt" | grep -E "fused=" >> "$SUMMARY"

# ---- 2. a preset on the GPU ------------------------------------------------------------------
echo "== 2. simbias run fprinciple-1d --device cuda"
t=$(date +%s)
if timeout 240 "$PY" -m simbias run fprinciple-1d --device cuda --set train.steps=300 --out "$OUT/runs" > "$OUT/preset.txt" 2>&1; then
    note "preset fprinciple-1d --device cuda (300 steps): ok in $(( $(date +%s) - t )) s"
else
    status=1; note "preset fprinciple-1d --device cuda: FAILED (exit $?); see $OUT/preset.txt"; tail -3 "$OUT/preset.txt"
fi

# ---- 3. bench_ensemble at M = 64, 512, 4096 --------------------------------------------------------
for M in 64 512 4096; do
    echo "== 3. bench_ensemble.py --device cuda --members $M"
    if timeout 150 "$PY" benchmarks/bench_ensemble.py --device cuda --members "$M" --rounds 2 --scaling \
            --loop-members 16 > "$OUT/bench_$M.txt" 2>&1; then
        grep -E "^\| (plain loop|fit_ensemble)" "$OUT/bench_$M.txt" | sed "s/^/M=$M /" | tee -a "$SUMMARY"
        grep -E "^fused step" "$OUT/bench_$M.txt" | sed "s/^/M=$M /" >> "$SUMMARY"
    else
        status=1; note "bench_ensemble M=$M: FAILED or timed out; see $OUT/bench_$M.txt"; tail -3 "$OUT/bench_$M.txt"
    fi
done

# ---- 4. the phase diagram against a plain loop -------------------------------------------------
echo "== 4. simbias run phase-diagram --device cuda"
t=$(date +%s)
if timeout 300 "$PY" -m simbias run phase-diagram --device cuda --out "$OUT/phase" > "$OUT/phase.txt" 2>&1; then
    wall=$(( $(date +%s) - t ))
    if ! timeout 120 "$PY" - "$OUT/phase" "$wall" <<'EOF' 2>&1 | tee -a "$SUMMARY"; then status=1; fi
import glob, json, sys, time, torch
from simbias import nn as snn
from simbias.experiments import resolve_spec
run_dir, wall = sys.argv[1], float(sys.argv[2])
summ = json.load(open(glob.glob(f"{run_dir}/**/summary.json", recursive=True)[0]))
spec, _ = resolve_spec("phase-diagram")
ph = spec.phase
nets_per_width = len(ph.gammas) * len(ph.gamma_primes) * ph.seeds
dev = torch.device("cuda")
x = torch.linspace(-1, 1, spec.problem.n_train, device=dev)[:, None]
y = 0.2 * torch.relu(x - 1 / 3) + 0.2 * torch.relu(-x - 1 / 3)
total = 0.0
for w, steps in zip(ph.widths, summ["steps_run"]):
    net = snn.TwoLayer(1, w, activation="relu", generator=torch.Generator().manual_seed(0)).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    for k in range(60):  # 10 warm-up steps, 50 timed
        if k == 10:
            torch.cuda.synchronize(); t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        ((net(x) - y) ** 2).mean().backward()
        opt.step()
    torch.cuda.synchronize()
    per = (time.perf_counter() - t0) / 50
    total += per * steps * nets_per_width
    print(f"phase width {w}: {steps} steps x {nets_per_width} nets; plain loop {per * 1e3:.3f} ms/step")
print(f"phase-diagram on the GPU: simbias run {wall:.0f} s wall (incl. start-up, compilation, figures); "
      f"plain loop estimate {total:.0f} s; speed-up {total / wall:.1f}x (goal >= 50x at M >= 512 in bench_ensemble)")
EOF
else
    status=1; note "phase-diagram --device cuda: FAILED or timed out; see $OUT/phase.txt"; tail -3 "$OUT/phase.txt"
fi

echo
echo "================ summary (gpu.sh, $(( $(date +%s) - T0 )) s; files in $OUT) ================"
cat "$SUMMARY"
[ "$status" -eq 0 ] && echo "all checks passed" || echo "some checks FAILED"
exit "$status"
