"""Fused training step for ensembles of one-hidden-layer nets with a 1-D input and one output.

The hand-batched kernels of :mod:`._ensemble` write the hidden activation of every member and
read it back about eleven times per step (pre-activation, activation, output product, the two
outer products of the backward pass, the activation derivative, three weight-gradient
reductions) in ~45 kernels: for the small nets of a sweep that is memory- and dispatch-bound.
For the most common member of this toolkit's experiments — ``f(x) = Σ_k a_k σ(w_k x + b_k) + c``
(:class:`simbias.nn.TwoLayer` with ``d = 1``, or :class:`simbias.nn.MLP` with one hidden layer,
``in_features = out_features = 1``) trained on the MSE — every quantity of a step is an
element-wise function of ``(x_n, w_k, b_k, a_k, g_n)`` reduced over the points or over the
neurons:

    out_n = (Σ_k a_k σ(z_nk) + c) / α,      z_nk = w_k x_n + b_k
    g_n   = (2/N) (out_n − y_n) / α          (∂ Σ_members MSE / ∂ out, per member)
    ∂a_k  = Σ_n σ(z_nk) g_n,   ∂c = Σ_n g_n
    ∂w_k  = Σ_n σ'(z_nk) a_k g_n x_n,   ∂b_k = Σ_n σ'(z_nk) a_k g_n

so nothing of size points × neurons needs to exist in memory.  This module writes that step as
one function and lets ``torch.compile`` (inductor; its C++ backend on the CPU, Triton on CUDA)
turn it into a few loops over the (members, neurons, points) layout that store nothing of size
neurons × points: 2.4–2.7× fewer seconds per step than the hand-batched kernels at 64 members of
width 1000, ~11–12× the plain loop (benchmarks/README.md).  Shapes are compiled dynamically, so
one compilation serves every ensemble size, width and number of points (and the member loop is
the same code whatever the batch: a member's numbers do not depend on the others); inductor
caches compiled code on disk across runs (``TORCHINDUCTOR_CACHE_DIR``; unless set, one directory
per ``ATEN_CPU_CAPABILITY``, see :func:`_cache_dir_per_isa`), so later processes pay less; the
first compiled result of a fit is checked once against the eager computation.  The compile time is reported in the history's ``info["compile_s"]``.

Numbers: the reductions run in another order than ``fit``'s ``addmm``/``mm`` kernels, so a member
equals its own :func:`~simbias.train.fit` within the float32 tolerance table (relative 1e-5),
not bit for bit; ``Ensemble(..., fused=False)`` keeps the bit-for-bit kernels.

Fallback: when compilation is unavailable (no C++ compiler, an inductor error, or
``SIMBIAS_FUSED=0`` in the environment) the step falls back to the hand-batched kernels; a
failed compilation says so once (a ``RuntimeWarning``) and is not retried in that process.
"""

from __future__ import annotations

import os
import time
import types
import warnings
from typing import Callable

import torch
from torch import Tensor

__all__ = ["FUSED_ACTIVATIONS", "fused_available"]

# σ and σ' (from z and h = σ(z)) of the activations the fused step covers.
_ACT: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[Tensor, Tensor], Tensor]]] = {
    "relu": (torch.relu, lambda z, h: (z > 0).to(z.dtype)),
    "tanh": (torch.tanh, lambda z, h: 1 - h * h),
    "sin": (torch.sin, lambda z, h: torch.cos(z)),
    "cos": (torch.cos, lambda z, h: -torch.sin(z)),
    "identity": (lambda z: z, lambda z, h: torch.ones_like(z)),
}
FUSED_ACTIVATIONS = tuple(_ACT)

# In "auto" mode the step is fused only when the training is long enough to repay a compilation
# (~2 s with a warm inductor cache, ~10 s cold): steps × members × points × width ≥ this.
# (The hand-batched kernels take ~3 ns per element-step on one CPU core.)
AUTO_MIN_WORK = 3e8
# auto: the compiled Adam alone (any dense ensemble) from steps × stacked parameters ≥ this; it saves
# ~3 ns per element and step against EnsembleAdam's ~12 passes (spectral-bias, 10 × 6-layer width-256
# members: 10.5-38 ms → 2.2 ms per step), so ~10 s of compilation is repaid from ~3e9
AUTO_MIN_ADAM_WORK = 5e9

_state: dict = {"failed": None, "compiled": {}, "warned": False}


def _make_step(name: str) -> Callable:
    act, dact = _ACT[name]

    def step(x: Tensor, y: Tensor, w: Tensor, b: Tensor, a: Tensor, c: Tensor, div: Tensor, inv_n: Tensor):
        # x, y (C, n); w, b, a (C, m); c, div (C,).  Layout (C, m, n): the three gradient
        # reductions over the points are contiguous inner loops that inductor fuses without
        # storing anything of size m × n (with (C, n, m) it kept one such array: 5× slower at C = 512).
        z = w[:, :, None] * x[:, None, :] + b[:, :, None]
        h = act(z)
        out = ((h * a[:, :, None]).sum(1) + c[:, None]) / div[:, None]
        d = out - y
        loss = (d * d).mean(1)
        g = inv_n * (2 * d) / div[:, None]
        gc = g.sum(1)
        ga = (h * g[:, None, :]).sum(2)
        dz = dact(z, h)
        gw = a * (dz * (g * x)[:, None, :]).sum(2)
        gb = a * (dz * g[:, None, :]).sum(2)
        return loss, out, gw, gb, ga, gc

    return step


def _own_code(fn: Callable, tag: str) -> Callable:
    """``fn`` with a code object of its own: dynamo keeps one cache (and one recompile limit) per
    code object, so each activation / parameter layout gets its own instead of recompiling one."""
    code = fn.__code__.replace(co_name=f"{fn.__code__.co_name}_{tag}")
    return types.FunctionType(code, fn.__globals__, code.co_name, fn.__defaults__, fn.__closure__)


def _cache_dir_per_isa() -> None:
    """Inductor's on-disk cache does not key its compiled modules on the vector ISA: code built
    under ``ATEN_CPU_CAPABILITY=avx2`` was handed back under AVX-512 (wrong numbers or a crash),
    and vice versa.  Unless the user chose a cache dir, use one per capability."""
    if "TORCHINDUCTOR_CACHE_DIR" in os.environ:
        return
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    cap = os.environ.get("ATEN_CPU_CAPABILITY", "").strip().lower() or "native"
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(default_cache_dir(), f"simbias-{cap}")


def _compile(fn: Callable) -> Callable:
    """``torch.compile`` with dynamic shapes (one compilation for every ensemble size and width)."""
    _cache_dir_per_isa()
    return torch.compile(fn, dynamic=True, fullgraph=True)


def fused_available() -> bool:
    """Whether the fused step may be tried in this process (not disabled, no failed compilation).

    Returns
    -------
    bool
        ``False`` after a failed compilation or with ``SIMBIAS_FUSED=0`` in the environment.

    Examples
    --------
    >>> from simbias.train import fused_available
    >>> isinstance(fused_available(), bool)
    True
    """
    return os.environ.get("SIMBIAS_FUSED", "auto").strip().lower() not in ("0", "false", "off", "no") \
        and _state["failed"] is None


def _fail(err: BaseException) -> None:
    _state["failed"] = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
    if not _state["warned"]:
        _state["warned"] = True
        warnings.warn(f"simbias: fused ensemble kernels unavailable ({_state['failed'][:200]}); "
                      "using the standard ensemble kernels (same results, slower)", RuntimeWarning, stacklevel=3)


class FusedKernelMismatch(RuntimeError):
    """The compiled kernel disagreed with the same function run eagerly (e.g. a stale inductor cache)."""


def _check_against_eager(fn, args, res, *, n_out: int, ref=None) -> None:
    """Once per fit: the compiled result must equal the eager one within 1e-4 relative (far above
    rounding, far below any real error).  Inductor's on-disk cache has been seen to hand back code
    built for another vector ISA (``ATEN_CPU_CAPABILITY`` changed between runs): wrong numbers,
    no error.  A mismatch raises, so the caller falls back to the standard kernels.

    An output that is rounding noise (a sum that cancels: the output of a mirrored two-layer net at
    its start, ~1e-7 in float32 where the exact value is 0) is judged against the same function in
    float64: the compiled value may be as far from it as 10× the eager value's own rounding error.
    """
    with torch.no_grad():
        exact = None
        if ref is None:
            ref = fn(*args)
            wide = [a.double() if torch.is_tensor(a) and a.is_floating_point() else a for a in args]
            exact = fn(*wide) if any(a.dtype != torch.float64 for a in args if torch.is_tensor(a)) else None
        for i, (got, want) in enumerate(zip(res, ref)):
            scale = float(want.abs().max()) if want.numel() else 0.0
            atol = 1e-4 * scale + 1e-30
            if exact is not None and want.numel():
                noise = float((want.double() - exact[i]).abs().max())
                atol = max(atol, 10.0 * noise)
            if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-4, atol=atol):
                cap = os.environ.get("ATEN_CPU_CAPABILITY", "").strip()
                why = (f"inductor's code under ATEN_CPU_CAPABILITY={cap} (measured: wrong gradients for some shapes)"
                       if cap else "stale inductor cache? clear TORCHINDUCTOR_CACHE_DIR")
                raise FusedKernelMismatch(f"the compiled kernel disagrees with the eager computation ({why})")


class FusedStep:
    """The fused MSE step of one ensemble: loss, output and the gradients of Σ loss, all members at once.

    Built by :func:`fused_step` when the ensemble qualifies; :meth:`__call__` returns ``None`` when
    compilation fails (the caller then uses its standard kernels for the rest of the fit).
    """

    def __init__(self, ensemble, x: Tensor, y: Tensor, grads: dict[str, Tensor], names: dict[str, str | None]):
        M = ensemble.n_members
        self.M = M
        self.C = max(M, 2)  # a batch of one runs as a duplicated pair: the same compiled code for every M
        dt, dev = ensemble.dtype, ensemble.device
        self.params = ensemble.params
        self.names = names
        self.grads = grads
        xs = x.reshape(M, -1) if x.ndim == 3 else x.reshape(1, -1).expand(M, -1)
        ys = y.reshape(M, -1) if y.ndim == 3 else y.reshape(1, -1).expand(M, -1)
        self.x = self._pad(xs).contiguous()
        self.y = self._pad(ys).contiguous()
        self.div = self._pad(ensemble.divisor if ensemble.divisor is not None else torch.ones(M, dtype=dt, device=dev))
        self.inv_n = torch.ones((), dtype=dt, device=dev).div_(int(self.x.shape[1]))
        self.zero_m = torch.zeros(self.C, self._flat("w").shape[1], dtype=dt, device=dev)
        self.zero_c = torch.zeros(self.C, dtype=dt, device=dev)
        self.name = ensemble.plan.activation_name
        self.compile_s = 0.0
        self._fn = None

    def _pad(self, t: Tensor) -> Tensor:
        return t if t.shape[0] == self.C else torch.cat([t, t[-1:].expand(self.C - t.shape[0], *t.shape[1:])])

    def _flat(self, key: str) -> Tensor:
        return self.params[self.names[key]].reshape(self.M, -1)

    def _arg(self, key: str, zero: Tensor) -> Tensor:
        if self.names[key] is None:
            return zero
        t = self._flat(key)
        return self._pad(t.reshape(self.M) if key == "c" else t)

    def __call__(self) -> tuple[Tensor, Tensor] | None:
        """Loss ``(M,)`` and train output ``(M, n)``; the gradients are written into ``grads``."""
        args = (self.x, self.y, self._arg("w", self.zero_m), self._arg("b", self.zero_m),
                self._arg("a", self.zero_m), self._arg("c", self.zero_c), self.div, self.inv_n)
        if self._fn is None:
            key = f"{self.name}_{str(self.x.dtype)[6:]}_{self.x.device.type}"
            fn = _state["compiled"].get(key)
            if fn is None:
                fn = _compile(_own_code(_make_step(self.name), key))
            t0 = time.perf_counter()
            try:
                res = fn(*args)
                _check_against_eager(_make_step(self.name), args, res, n_out=len(res))
            except Exception as err:  # noqa: BLE001 - any compiler failure means: use the standard kernels
                _fail(err)
                return None
            self.compile_s = time.perf_counter() - t0
            _state["compiled"][key] = self._fn = fn
        else:
            res = self._fn(*args)
        loss, out, gw, gb, ga, gc = res
        M = self.M
        for key, val in (("w", gw), ("b", gb), ("a", ga), ("c", gc)):
            if self.names[key] is not None:
                g = self.grads[self.names[key]]
                g.copy_(val[:M].reshape(g.shape))
        return loss[:M], out[:M]


def fused_step(ensemble, x: Tensor, y: Tensor, grads: dict[str, Tensor], *, loss: str, work: float,
               custom_inputs: bool = False) -> FusedStep | None:
    """A :class:`FusedStep` for ``ensemble`` if it qualifies and fusion is on, else ``None``.

    Qualifies: a dense plan of two layers (``TwoLayer`` or a one-hidden-layer ``MLP``) with one
    input and one output feature, a covered activation (:data:`FUSED_ACTIVATIONS`), the ``"mse"``
    loss and data ``(n, 1)`` or ``(M, n, 1)``.  ``ensemble.fused``: ``False`` never, ``True``
    whenever it qualifies, ``None`` (auto) when ``work`` (steps × members × points × width) is at
    least :data:`AUTO_MIN_WORK`.
    """
    mode = getattr(ensemble, "fused", None)
    plan = ensemble.plan
    if mode is False or loss != "mse" or plan is None or not fused_available():
        return None
    if mode is None and work < AUTO_MIN_WORK:
        return None
    if plan.activation_name not in _ACT or len(plan.layers) != 2:
        return None
    first, last = plan.layers
    p = ensemble.params
    w = p[first.weight]
    if not first.transposed:
        return None
    if w.ndim != 3 or w.shape[2] != 1:  # (M, m, 1): one input feature
        return None
    m = w.shape[1]
    a = p[last.weight]
    if last.transposed:   # nn.Linear (1, m)
        ok = a.shape[1:] == (1, m)
    elif last.vector:     # TwoLayer a (m,)
        ok = a.shape[1:] == (m,)
    else:                 # TwoLayer a (m, 1)
        ok = a.shape[1:] == (m, 1)
    if not ok or (last.bias is not None and p[last.bias].numel() != ensemble.n_members):
        return None
    if x.shape[-1] != 1 or y.shape[-1] != 1 or x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[0] != ensemble.n_members):
        return None
    if x.dtype != ensemble.dtype or y.dtype != ensemble.dtype:
        return None
    names = {"w": first.weight, "b": first.bias, "a": last.weight, "c": last.bias}
    return FusedStep(ensemble, x, y, grads, names)


# --------------------------------------------------------------------------------------------
# Adam: all stacked parameters in one compiled kernel
# --------------------------------------------------------------------------------------------

def _adam_update(ps: list[Tensor], gs: list[Tensor], ms: list[Tensor], vs: list[Tensor], neg_lr: Tensor,
                 bc2_sqrt: Tensor, active: Tensor, beta1: float, beta2: float, eps: float, weight_decay: float):
    # EnsembleAdam's update (= torch.optim.Adam's single-tensor update) for every parameter at once
    for p, g, m, v in zip(ps, gs, ms, vs):
        shape = (p.shape[0],) + (1,) * (p.ndim - 1)
        if weight_decay:
            g = g + weight_decay * p
        m_new = torch.lerp(m, g, 1 - beta1)
        v_new = v * beta2 + (1 - beta2) * g * g
        denom = torch.sqrt(v_new) / bc2_sqrt + eps
        upd = neg_lr.reshape(shape) * m_new / denom
        keep = active.reshape(shape)
        m.copy_(m_new)
        v.copy_(v_new)
        p.copy_(p + torch.where(keep, upd, 0.0))


class FusedAdam:
    """:class:`~simbias.train.EnsembleAdam`'s ``step`` as one compiled kernel over all parameters.

    The same arithmetic (element for element, up to the order of rounding inside the compiled
    loop) on the optimiser's own state (``exp_avg``, ``exp_avg_sq``, ``t``, ``lr``), so the
    optimiser can be used unfused afterwards.  ``None`` from :func:`fused_adam` when it does not apply.
    """

    def __init__(self, opt):
        self.opt = opt
        self._fn = None
        self.compile_s = 0.0

    def step(self, grads, active: Tensor | None = None) -> bool:
        """One update; ``False`` (nothing changed) if compilation failed."""
        o = self.opt
        t = o.t + 1
        bc1 = 1 - o.beta1 ** float(t)
        bc2_sqrt = (1 - o.beta2 ** float(t)) ** 0.5
        p0 = o.params[0]
        neg_lr = (-(o.lr / bc1)).to(p0.dtype)
        act = active if active is not None else torch.ones(p0.shape[0], dtype=torch.bool, device=p0.device)
        args = (o.params, list(grads), o.exp_avg, o.exp_avg_sq, neg_lr,
                torch.tensor(bc2_sqrt, dtype=p0.dtype, device=p0.device), act, o.beta1, o.beta2, o.eps, o.weight_decay)
        if self._fn is None:
            key = "adam_" + "_".join(f"{p.ndim}" for p in o.params) + f"_{str(p0.dtype)[6:]}_{p0.device.type}"
            fn = _state["compiled"].get(key) or _compile(_own_code(_adam_update, key))
            t0 = time.perf_counter()
            before = [[t.clone() for t in ts] for ts in (o.params, o.exp_avg, o.exp_avg_sq)]
            try:
                fn(*args)
                ref = [[t.clone() for t in ts] for ts in before]
                _adam_update(ref[0], list(grads), ref[1], ref[2], *args[4:])
                _check_against_eager(None, None, [t for ts in (o.params, o.exp_avg, o.exp_avg_sq) for t in ts],
                                     n_out=0, ref=[t for ts in ref for t in ts])
            except Exception as err:  # noqa: BLE001 - the optimiser's own step instead
                for ts, bs in zip((o.params, o.exp_avg, o.exp_avg_sq), before):
                    for t, b in zip(ts, bs):
                        t.copy_(b)
                _fail(err)
                return False
            self.compile_s = time.perf_counter() - t0
            _state["compiled"][key] = self._fn = fn
        else:
            self._fn(*args)
        o.t = t
        return True


def fused_adam(opt, *, with_step: bool = False, mode: bool | None = None, work: float = 0.0) -> FusedAdam | None:
    """A :class:`FusedAdam` for an :class:`~simbias.train.EnsembleAdam` when fusion is available and
    pays: always together with a fused step (``with_step``), else when ``mode`` (the ensemble's
    ``fused``) is ``True``, or ``None`` (auto) and ``work`` (steps × stacked parameters) is at least
    :data:`AUTO_MIN_ADAM_WORK`."""
    from ._ensemble import EnsembleAdam

    if type(opt) is not EnsembleAdam or not fused_available():
        return None
    if not (with_step or mode is True or (mode is None and work >= AUTO_MIN_ADAM_WORK)):
        return None
    if len({(p.dtype, p.device) for p in opt.params}) != 1:
        return None
    return FusedAdam(opt)
