"""``fit_ensemble``: train M same-shape models in lockstep, as one batched computation.

An :class:`Ensemble` stacks the parameters of M members that share one structure (member axis
first: a weight ``(m, k)`` becomes ``(M, m, k)``).  Models stay written for one member (house rule
5); the ensemble batches them.  :func:`fit_ensemble` then trains all members together:

* the loss is the **sum** of the member losses (each member's gradient is exactly the gradient of
  its own loss; a mean would scale every step by 1/M), and nothing ever reduces across members;
* each member has its own learning rate (``(M,)`` tensors in :class:`EnsembleAdam` /
  :class:`EnsembleSGD`, element-wise rewrites of ``torch.optim.Adam``/``SGD`` that perform the same
  floating-point operations in the same order — equal to ``torch.optim`` bit for bit at M = 1);
* a member whose loss becomes NaN/Inf is recorded as ``diverged`` at that step and frozen: its
  updates are masked (``torch.where``, so its NaNs never reach a parameter), while the others go
  on bit for bit as if it had never been there;
* probes are recorded per member, member axis first.

Equal to ``fit``, bit for bit
-----------------------------
A dense member (:class:`simbias.nn.MLP`, :class:`simbias.nn.TwoLayer`) trained here gives exactly
the numbers :func:`~simbias.train.fit` gives it alone on the CPU — every recorded array and every
parameter bit (tests) — so a sweep member equals ``simbias run`` and does not depend on which
other members share its batch (a resumed sweep re-batches the unfinished ones).  How:

* the forward and backward passes are written by hand with the operations autograd performs for
  one member, in the same order (``nn.Linear`` is ``addmm``; the MSE gradient is (1/N)·2(out − y);
  ``threshold_backward``/``tanh_backward``/… for the activations; ``sum`` over points for biases);
* products of regular shapes are one ``bmm``, which MKL computes slice by slice exactly like
  ``mm``; a contraction of length one is an element-wise product (what ``mm`` computes too); but
  MKL's *batched* matrix–vector products (a width-1 output layer, the weight gradients of the
  first and last layers) round differently from the unbatched ones, so those run member by
  member through ``torch.mm`` (``exact=False`` batches them: faster for many tiny members, last-bit
  differences that grow to ~2e-7 relative over a few hundred Adam steps);
* element-wise kernels give an element the same bits wherever it sits in a tensor — except that
  ``sigmoid``, ``softplus`` and ``elu`` compute the last few elements of a tensor with a different
  scalar formula; those activations run member by member;
* :class:`EnsembleAdam`/:class:`EnsembleSGD` perform ``torch.optim``'s single-tensor updates;
* the per-frequency probe runs once per member (:class:`PerMember`), i.e. the very vector–matrix
  product ``PeakError`` uses for one model.

Other losses (``mse+derivative``, callables), other activations and other member types go through
autograd (other modules through ``torch.func.functional_call`` + ``vmap``): equal to ``fit`` to
rounding (≤ 1e-7 relative in float32 after 100 steps in the tests), and still independent of the
batch (chunks always hold ≥ 2 members: a batch of one would take MKL's unbatched path).

Speed
-----
For small nets the batched work is memory bound.  On the CPU the members of a step are processed
in chunks whose activations stay in L2 (``chunk_size``, automatic: ~1.5 MiB per activation), and
the hidden activations and their gradients live in reusable buffers (a fresh 1 MiB tensor costs
page faults every time).  benchmarks/README.md has the numbers; ``torch.func.vmap`` was ~2× slower
than the hand-written kernels on the two-layer benchmark.

The most common member — one hidden layer, a 1-D input and one output, MSE — has a fused step
(``train/_fused.py``): the whole forward/backward as one ``torch.compile``d kernel that keeps no
points × neurons array, and Adam as one more.  It is used automatically when the fit is long
enough to repay the compilation (``Ensemble(fused=...)``); it equals ``fit`` within the float32
tolerance table rather than bit for bit, and falls back to the kernels above (with one warning)
where compilation fails.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import InputError, Outcome
from ..results import History
from ._checkpoint import Checkpoint, _check_every, _check_resume, _clone, _rng_state, _set_rng_state
from ._checkpoint import _stack_records, _unstack_records
from . import _fused
from ._fit import supervised_loss
from ._probes import PeakError
from . import _probes_nd
from ._record import Record, RecordContext

__all__ = ["Ensemble", "StackedProblem", "stack_problems", "EnsembleAdam", "EnsembleSGD", "ENSEMBLE_OPTIMIZERS",
           "make_ensemble_optimizer", "fit_ensemble", "member_history", "PerMember"]

# Activation derivatives, written exactly as autograd computes them (derivatives.yaml), from the
# activation's output h (relu, tanh, sigmoid) or its input z (the others).
_BACKWARD_FROM_OUTPUT: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "relu": lambda g, h: torch.ops.aten.threshold_backward(g, h, 0),
    "tanh": lambda g, h: torch.ops.aten.tanh_backward(g, h),
    "sigmoid": lambda g, h: torch.ops.aten.sigmoid_backward(g, h),
    "identity": lambda g, h: g,
}
_BACKWARD_FROM_INPUT: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "sin": lambda g, z: g * z.cos(),
    "cos": lambda g, z: g * -z.sin(),
    "gelu": lambda g, z: torch.ops.aten.gelu_backward(g, z),
    "softplus": lambda g, z: torch.ops.aten.softplus_backward(g, z, 1, 20),
    "elu": lambda g, z: torch.ops.aten.elu_backward(g, 1, 1, 1, False, z),
}
_INPLACE = {"relu": Tensor.relu_, "tanh": Tensor.tanh_, "sigmoid": Tensor.sigmoid_}
# the same derivatives written into the incoming gradient's buffer (saves an allocation per layer)
_BACKWARD_INTO_GRAD: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "relu": lambda g, h: torch.ops.aten.threshold_backward.grad_input(g, h, 0, grad_input=g),
    "tanh": lambda g, h: torch.ops.aten.tanh_backward.grad_input(g, h, grad_input=g),
}
# Activations whose CPU kernels give every element the same bits wherever it sits in a tensor.
# Others (sigmoid, softplus, elu here) run a different scalar formula on the last few elements
# of a tensor, so a member's values would depend on its position in the batch: in exact mode
# they are applied member by member.  Measured with torch 2.13 on AVX-512 (tests keep it true).
_POSITION_SAFE = {"tanh", "relu", "sin", "cos", "srelu", "phi", "s2relu", "xtanh", "x2tanh", "ricker", "gelu",
                  "identity"}


def _per_member(fn: Callable, *tensors: Tensor) -> Tensor:
    return torch.stack([fn(*parts) for parts in zip(*(t.unbind(0) for t in tensors))])

# Activations of a chunk are kept under this many bytes on the CPU (half of a 2 MiB L2).
_CPU_CHUNK_BYTES = 3 << 19  # 1.5 MiB
# No-grad evaluation (probes) may use larger chunks.
_EVAL_CHUNK_BYTES = 64 << 20


# --------------------------------------------------------------------------------------------
# batched matrix products that do not depend on the batch size
# --------------------------------------------------------------------------------------------

def _bmm(a: Tensor, b: Tensor) -> Tensor:
    if a.shape[0] == 1:  # torch sends a batch of one to `mm`, which rounds differently
        return torch.bmm(a.expand(2, *a.shape[1:]), b.expand(2, *b.shape[1:]))[:1]
    return torch.bmm(a, b)


def _baddbmm(c: Tensor, a: Tensor, b: Tensor) -> Tensor:
    if a.shape[0] == 1:
        return torch.baddbmm(c.expand(2, *c.shape[1:]), a.expand(2, *a.shape[1:]), b.expand(2, *b.shape[1:]))[:1]
    return torch.baddbmm(c, a, b)


def _matvec(a: Tensor, b: Tensor) -> bool:
    """Whether ``a @ b`` (batched) has a unit output dimension and a real contraction."""
    return a.shape[-1] > 1 and (a.shape[-2] == 1 or b.shape[-1] == 1)


def _mm(a: Tensor, b: Tensor, exact: bool = True, out: Tensor | None = None) -> Tensor:
    """Batched ``a @ b`` computed, member by member, with the kernel ``mm`` uses for one member.

    A contraction of length one is an element-wise product; matrix–vector shapes go through
    ``torch.mm`` per member when ``exact`` (MKL's batched kernel rounds them differently);
    everything else is one ``bmm``, which equals ``mm`` slice by slice.  ``out`` (optional) is
    written in place and returned.
    """
    if a.shape[-1] == 1:
        return torch.mul(a, b) if out is None else torch.mul(a, b, out=out)
    if exact and _matvec(a, b):
        if out is None:
            return torch.stack([torch.mm(x, y) for x, y in zip(a.unbind(0), b.unbind(0))])
        for x, y, o in zip(a.unbind(0), b.unbind(0), out.unbind(0)):
            torch.mm(x, y, out=o)
        return out
    if out is None or a.shape[0] == 1:
        r = _bmm(a, b)
        return r if out is None else out.copy_(r)
    return torch.bmm(a, b, out=out)


def _addmm(c: Tensor, a: Tensor, b: Tensor, exact: bool = True, out: Tensor | None = None) -> Tensor:
    """Batched ``addmm(c, a, b)`` (``c`` of shape (C, m)), as ``nn.Linear`` computes it per member."""
    if a.shape[-1] == 1:  # what addmm computes for a contraction of one
        return torch.addcmul(c.unsqueeze(1), a, b) if out is None else torch.addcmul(c.unsqueeze(1), a, b, out=out)
    if exact and _matvec(a, b):
        if out is None:
            return torch.stack([torch.addmm(z, x, y) for z, x, y in zip(c.unbind(0), a.unbind(0), b.unbind(0))])
        for z, x, y, o in zip(c.unbind(0), a.unbind(0), b.unbind(0), out.unbind(0)):
            torch.addmm(z, x, y, out=o)
        return out
    if out is None or a.shape[0] == 1:
        r = _baddbmm(c.unsqueeze(1), a, b)
        return r if out is None else out.copy_(r)
    return torch.baddbmm(c.unsqueeze(1), a, b, out=out)


def _member_view(t: Tensor, ndim: int) -> Tensor:
    """``(C,)`` → ``(C, 1, …, 1)`` with ``ndim`` dimensions in all."""
    return t.reshape(t.shape[0], *([1] * (ndim - 1)))


# --------------------------------------------------------------------------------------------
# dense stacks (MLP, TwoLayer): the hand-batched fast path
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Layer:
    weight: str
    bias: str | None
    transposed: bool      # weight stored (out, in) like nn.Linear (True) or (in, out) like TwoLayer.a (False)
    vector: bool          # weight stored as a vector (in,) for one output
    fused_bias: bool      # bias added inside the product (nn.Linear → addmm) or after it (x @ w.T + b)


@dataclass(frozen=True)
class _DensePlan:
    layers: tuple[_Layer, ...]
    activation: Callable[[Tensor], Tensor]
    activation_name: str | None
    divide_by: str | None = None      # per-member output divisor (TwoLayer.alpha)
    ignore_attrs: tuple[str, ...] = ()

    @property
    def manual_backward(self) -> bool:
        return self.activation_name in _BACKWARD_FROM_OUTPUT or self.activation_name in _BACKWARD_FROM_INPUT


def _dense_plan(module: nn.Module) -> _DensePlan | None:
    """The engine's plan from the model's own description (``module.dense_plan()``, see
    :class:`simbias.nn.DensePlan`); ``None`` for models that do not describe themselves."""
    describe = getattr(module, "dense_plan", None)
    desc = describe() if callable(describe) else None
    if desc is None:
        return None
    layers = tuple(_Layer(l.weight, l.bias, transposed=l.transposed, vector=l.vector, fused_bias=l.fused_bias)
                   for l in desc.layers)
    return _DensePlan(layers, desc.activation, desc.activation_name, divide_by=desc.output_divisor,
                      ignore_attrs=tuple(desc.free_attributes))


def _layer_forward(layer: _Layer, w: Tensor, b: Tensor | None, h: Tensor, exact: bool = True,
                   out: Tensor | None = None) -> Tensor:
    """``h (C, n, k)`` → ``z (C, n, m)`` for stacked weights ``w`` (the member's own op order:
    ``addmm`` for ``nn.Linear``, ``h @ w.T + b`` for TwoLayer)."""
    wt = w.transpose(1, 2) if layer.transposed else (w.unsqueeze(-1) if layer.vector else w)  # (C, k, m)
    if b is not None and layer.fused_bias:
        return _addmm(b, h, wt, exact, out)
    z = _mm(h, wt, exact, out)
    return z if b is None else z.add_(b.unsqueeze(1))


def _write(dst: Tensor, value: Tensor) -> None:
    dst.copy_(value.reshape(dst.shape))


# --------------------------------------------------------------------------------------------
# the ensemble
# --------------------------------------------------------------------------------------------

def _attr_signature(module: nn.Module, ignore: tuple[str, ...]) -> dict[str, Any]:
    """The public plain attributes of the module and its submodules (tensors, submodules and
    underscore-prefixed attributes left out), which members of one ensemble must share."""
    out = {}
    for prefix, sub in module.named_modules():
        for k, v in vars(sub).items():
            if k.startswith("_") or k == "training" or (prefix == "" and k in ignore) or isinstance(v, (Tensor, nn.Module)):
                continue
            out[f"{prefix}.{k}" if prefix else k] = v
    return out


class Ensemble:
    """M members of one structure, parameters stacked with the member axis first.

    Calling the ensemble on an input ``(n, d)`` (shared) or ``(M, n, d)`` (per member) returns
    ``(M, n, c)`` outputs; :meth:`member` rebuilds member ``i`` as a module and
    :meth:`write_back` copies the stacked parameters into the original modules.

    Attributes: ``params`` — ``{name: (M, *shape)}`` stacked parameters (plain tensors, updated
    in place); ``buffers`` — ``{name: (M, *shape)}`` stacked buffers.

    Parameters
    ----------
    members : sequence of nn.Module
        Modules of the same type whose parameters have the same names and shapes, and whose
        other attributes agree (for :class:`simbias.nn.TwoLayer` the output scale ``alpha`` may
        differ per member).  Their parameters are copied; the modules are kept only to rebuild
        members (:meth:`member`, :meth:`write_back`).
    kernel : {"auto", "dense", "vmap"}
        ``"auto"`` (hand-batched kernels for MLP/TwoLayer, ``torch.func`` otherwise),
        ``"dense"`` (require the hand-batched kernels) or ``"vmap"`` (always ``torch.func``).
    input_ndim : int
        Number of dimensions of one member's input (2 for ``(n, d)``); an input with one more
        dimension is read as per-member inputs ``(M, n, d)``.
    exact : bool, optional
        Compute matrix–vector products (a width-1 output layer, the gradients of the first and
        last layers) and position-dependent activations member by member with the kernels
        ``fit`` uses, so that dense members equal :func:`fit` bit for bit on the CPU; ``False``
        batches them too (differs from ``fit`` in the last bits).  Default: ``True`` on the CPU,
        ``False`` on CUDA (where per-member kernel launches would dominate).
    fused : bool, optional
        The compiled one-kernel MSE step of ``train/_fused.py`` for one-hidden-layer members
        with a 1-D input and one output (``TwoLayer``, ``MLP`` with one hidden layer;
        relu/tanh/sin/cos/identity): ``None`` (default) uses it when the fit is long enough to
        repay its compilation and a compiler works, ``True`` whenever it applies, ``False``
        never.  Fused members equal ``fit`` within the float32 tolerance table (relative 1e-5),
        not bit for bit; compilation failures fall back to these kernels (one warning).

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> nets = [TwoLayer(1, 50, generator=torch.Generator().manual_seed(s)) for s in range(4)]
    >>> ens = Ensemble(nets)
    >>> ens(torch.linspace(-1, 1, 64)[:, None]).shape
    torch.Size([4, 64, 1])
    >>> ens.params["w"].shape
    torch.Size([4, 50, 1])
    """

    def __init__(self, members: Sequence[nn.Module], *, kernel: str = "auto", input_ndim: int = 2,
                 exact: bool | None = None, fused: bool | None = None):
        members = list(members)
        if not members:
            raise InputError("members", "got an empty list", "give at least one model")
        if kernel not in ("auto", "dense", "vmap"):
            raise InputError("kernel", f"got {kernel!r}", "choose 'auto', 'dense' or 'vmap'")
        first = members[0]
        plan = _dense_plan(first) if kernel != "vmap" else None
        if kernel == "dense" and plan is None:
            raise InputError("kernel", f"'dense' needs members that describe their dense layers (dense_plan(), e.g. "
                             f"simbias.nn.MLP or TwoLayer), got {type(first).__name__}", "use kernel='auto'")
        ref_params = [(n, tuple(p.shape), p.dtype, p.device) for n, p in first.named_parameters()]
        ref_buffers = [(n, tuple(b.shape), b.dtype, b.device) for n, b in first.named_buffers()]
        ignore = plan.ignore_attrs if plan is not None else ()
        ref_attrs = _attr_signature(first, ignore)
        for i, m in enumerate(members[1:], start=1):
            if type(m) is not type(first):
                raise InputError("members", f"member {i} is a {type(m).__name__}, member 0 a {type(first).__name__}",
                                 "an ensemble holds one model type; bucket members by structure")
            got = [(n, tuple(p.shape), p.dtype, p.device) for n, p in m.named_parameters()]
            if got != ref_params:
                diff = next(((a, b) for a, b in zip(got, ref_params) if a != b), (got, ref_params))
                raise InputError("members", f"member {i} has parameter {diff[0][:3]} where member 0 has {diff[1][:3]}",
                                 "an ensemble needs one static shape; bucket members by shape (e.g. one ensemble per width)")
            if [(n, tuple(b.shape), b.dtype, b.device) for n, b in m.named_buffers()] != ref_buffers:
                raise InputError("members", f"member {i} has different buffers from member 0", "bucket members by structure")
            attrs = _attr_signature(m, ignore)
            for k, v in ref_attrs.items():
                if not _same(attrs.get(k), v):
                    raise InputError("members", f"member {i} differs from member 0 in {k!r} ({attrs.get(k)!r} vs {v!r})",
                                     "members of an ensemble may differ only in their parameter values")
        self.members = members
        self.n_members = len(members)
        self.plan = plan
        self.input_ndim = int(input_ndim)
        with torch.no_grad():
            self.params: dict[str, Tensor] = {n: torch.stack([dict(m.named_parameters())[n].detach() for m in members])
                                              .contiguous() for n, _, _, _ in ref_params}
            self.buffers: dict[str, Tensor] = {n: torch.stack([dict(m.named_buffers())[n].detach() for m in members])
                                               .contiguous() for n, _, _, _ in ref_buffers}
        if not self.params:
            raise InputError("members", "the models have no parameters", "give trainable models")
        p0 = next(iter(self.params.values()))
        self.device, self.dtype = p0.device, p0.dtype
        self.exact = (self.device.type == "cpu") if exact is None else bool(exact)
        self.divisor = None
        if plan is not None and plan.divide_by:
            self.divisor = torch.tensor([float(getattr(m, plan.divide_by)) for m in members], dtype=self.dtype,
                                        device=self.device)
        self._template = copy.deepcopy(first) if plan is None else None
        self.fused = None if fused is None else bool(fused)  # see train/_fused.py
        self._ws: dict[Any, Tensor] = {}
        self._ws_members = 0
        self._width = max([int(p.shape[1]) if p.ndim >= 2 else 1 for p in self.params.values()] + [1])

    # ---- views of the stack --------------------------------------------------------------
    def parameters(self) -> list[Tensor]:
        """The stacked parameter tensors, in the members' ``named_parameters`` order."""
        return list(self.params.values())

    def member(self, i: int) -> nn.Module:
        """A fresh copy of member ``i`` holding its current (trained) parameters."""
        m = copy.deepcopy(self.members[i])
        with torch.no_grad():
            for n, p in m.named_parameters():
                p.copy_(self.params[n][i])
            for n, b in m.named_buffers():
                b.copy_(self.buffers[n][i])
        return m

    def write_back(self, models: Sequence[nn.Module] | None = None) -> None:
        """Copy the stacked parameters into ``models`` (default: the member modules given)."""
        models = self.members if models is None else list(models)
        with torch.no_grad():
            for i, m in enumerate(models):
                for n, p in m.named_parameters():
                    p.copy_(self.params[n][i])
                for n, b in m.named_buffers():
                    b.copy_(self.buffers[n][i])

    # ---- chunks ----------------------------------------------------------------------------
    def chunks(self, n_points: int, chunk_size: int | None = None, *, budget: int | None = None) -> list[slice]:
        """Balanced member slices of ≥ 2 members each (when M ≥ 2) covering ``0 … M−1``."""
        M = self.n_members
        if chunk_size is None:
            if self.device.type != "cpu" and budget is None:
                chunk_size = M
            else:
                per = max(1, n_points * self._width * self.dtype.itemsize)
                chunk_size = max(2, (budget or _CPU_CHUNK_BYTES) // per)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise InputError("chunk_size", f"got {chunk_size!r}", "use a positive integer or None (automatic)")
        n_chunks = max(1, math.ceil(M / chunk_size))
        if M >= 2:
            n_chunks = min(n_chunks, M // 2)
        base, extra = divmod(M, n_chunks)
        out, start = [], 0
        for c in range(n_chunks):
            size = base + (1 if c < extra else 0)
            out.append(slice(start, start + size))
            start += size
        return out

    # ---- forward ---------------------------------------------------------------------------
    def _inputs(self, x: Tensor, sl: slice) -> Tensor:
        """The chunk's inputs as (C, n, d): per-member inputs are sliced, shared ones expanded."""
        C = sl.stop - sl.start
        if x.ndim == self.input_ndim + 1:
            if x.shape[0] != self.n_members:
                raise InputError("x", f"has {x.shape[0]} members on its first axis, the ensemble {self.n_members}",
                                 f"give shared inputs {self.input_ndim}-D or per-member inputs with M first")
            return x[sl]
        if self.plan is not None and x.ndim == 1:
            x = x[:, None]
        return x.expand(C, *x.shape)

    def _workspace(self, key, C: int, *shape: int) -> Tensor:
        """A reusable buffer (C, *shape): fresh large allocations cost page faults on every chunk."""
        t = self._ws.get(key)
        if t is None or t.shape[0] < C or tuple(t.shape[1:]) != shape:
            t = self._ws[key] = torch.empty(max(C, self._ws_members), *shape, dtype=self.dtype, device=self.device)
        return t[:C]

    def _forward_chunk(self, p: dict[str, Tensor], b: dict[str, Tensor], xc: Tensor, sl: slice,
                       saved: list | None = None, ws: dict | None = None) -> Tensor:
        """Outputs (C, n, c) of the chunk with parameters ``p`` (views or leaves of shape (C, …))."""
        plan = self.plan
        if plan is None:
            from torch.func import functional_call, vmap

            def one(pp, bb, xx):
                return functional_call(self._template, (pp, bb), (xx,))

            if xc.shape[0] == 1:  # run a batch of one as a duplicated pair (see _bmm)
                two = lambda t: t.expand(2, *t.shape[1:])  # noqa: E731
                return vmap(one)({k: two(v) for k, v in p.items()}, {k: two(v) for k, v in b.items()}, two(xc))[:1]
            return vmap(one)(p, b, xc)
        h = xc
        last = len(plan.layers) - 1
        keep_z = saved is not None and plan.activation_name in _BACKWARD_FROM_INPUT
        for j, layer in enumerate(plan.layers):
            if saved is not None:
                saved.append((h, None))  # (layer input, pre-activation of the layer before)
            buf = ws.get(("z", j)) if ws is not None else None  # training: hidden activations in reusable buffers
            z = _layer_forward(layer, p[layer.weight], p[layer.bias] if layer.bias else None, h, self.exact, buf)
            if j < last:
                if keep_z:
                    saved.append((None, z))
                if self.exact and plan.activation_name not in _POSITION_SAFE:
                    h = _per_member(plan.activation, z)
                    continue
                inplace = _INPLACE.get(plan.activation_name) if saved is not None or not torch.is_grad_enabled() else None
                h = inplace(z) if inplace is not None else plan.activation(z)
            else:
                h = z
        if self.divisor is not None:
            h = h / _member_view(self.divisor[sl], h.ndim)
        return h

    def _chunk(self, sl: slice, x: Tensor, y: Tensor, grads: dict[str, Tensor]) -> "_Chunk":
        """Views and buffers of one chunk that stay valid for the whole fit (updates are in place)."""
        p = {k: v[sl] for k, v in self.params.items()}
        xc = self._inputs(x, sl)
        C, n = xc.shape[0], xc.shape[1]
        ws: dict = {}
        if self.plan is not None:
            widths = [xc.shape[2]]
            for layer in self.plan.layers:
                w = self.params[layer.weight]
                widths.append(w.shape[1] if layer.transposed else (1 if layer.vector else w.shape[2]))
            for j in range(len(self.plan.layers) - 1):
                ws[("z", j)] = self._workspace(("z", j), C, n, widths[j + 1])
                ws[("g", j + 1)] = self._workspace(("g", j + 1), C, n, widths[j + 1])
        g = {}
        for k, v in grads.items():
            g[k] = v[sl]
        for layer in self.plan.layers if self.plan is not None else ():
            if layer.vector:
                g[layer.weight] = g[layer.weight].unsqueeze(-1)
        return _Chunk(sl, xc, y[sl], p, g, ws,
                      None if self.divisor is None else _member_view(self.divisor[sl], y.ndim))

    @torch.no_grad()
    def __call__(self, x: Tensor) -> Tensor:
        """Outputs of all members, ``(M, n, c)``; ``x`` shared ``(n, d)`` or per member ``(M, n, d)``."""
        n = x.shape[-2] if x.ndim >= 2 else x.shape[0]
        outs = []
        for sl in self.chunks(n, budget=_EVAL_CHUNK_BYTES):
            p = {k: v[sl] for k, v in self.params.items()}
            b = {k: v[sl] for k, v in self.buffers.items()}
            outs.append(self._forward_chunk(p, b, self._inputs(x, sl), sl))
        return torch.cat(outs) if len(outs) > 1 else outs[0]

    forward = __call__

    # ---- one training step of a chunk ---------------------------------------------------------
    def _mse_manual(self, ch: "_Chunk", inv_n: Tensor) -> tuple[Tensor, Tensor]:
        """Loss (C,) and output of the chunk; writes the gradients of Σ loss into the chunk's grad views."""
        plan = self.plan
        p = ch.p
        saved: list = []
        out = self._forward_chunk(p, {}, ch.x, ch.sl, saved, ch.ws)
        d = out - ch.y
        loss = (d ** 2).mean(dim=tuple(range(1, d.ndim)))
        # autograd of mean((out − y)²): (1/N) · (2 (out − y)), with 1/N rounded in the working dtype
        g = inv_n * (2 * d)
        if ch.div is not None:
            g = g / ch.div
        inputs = [h for h, _ in saved if h is not None]
        pre = [z for _, z in saved if z is not None]
        name = plan.activation_name
        for j in range(len(plan.layers) - 1, -1, -1):
            layer = plan.layers[j]
            h_in = inputs[j]
            w = p[layer.weight]
            # weight gradient, in the weight's own layout (written straight into the gradient)
            if layer.transposed:
                _mm(g.transpose(1, 2), h_in, self.exact, ch.g[layer.weight])           # (C, m, k)
            else:
                _mm(h_in.transpose(1, 2), g, self.exact, ch.g[layer.weight])           # (C, k, m)
            if layer.bias:
                torch.sum(g, dim=1, out=ch.g[layer.bias])
            if j == 0:
                break
            wt = w if layer.transposed else (w.unsqueeze(1) if layer.vector else w.transpose(1, 2))  # (C, m, k)
            gh = _mm(g, wt, self.exact, ch.ws[("g", j)])
            back, other = (_BACKWARD_FROM_OUTPUT[name], h_in) if name in _BACKWARD_FROM_OUTPUT else \
                (_BACKWARD_FROM_INPUT[name], pre[j - 1])
            if self.exact and name not in _POSITION_SAFE:
                g = _per_member(back, gh, other)
            else:
                g = _BACKWARD_INTO_GRAD.get(name, back)(gh, other)
        return loss, out

    def _autograd_step(self, sl: slice, xc: Tensor, yc: Tensor | None, grads: dict[str, Tensor], loss_fn,
                       step: int) -> tuple[Tensor, Tensor | None]:
        leaves = {k: v[sl].detach().requires_grad_(True) for k, v in self.params.items()}
        b = {k: v[sl] for k, v in self.buffers.items()}
        with torch.enable_grad():
            loss, out = loss_fn(lambda xx: self._forward_chunk(leaves, b, xx, sl), xc, yc, sl, step)
            gs = torch.autograd.grad(loss.sum(), list(leaves.values()), allow_unused=True)
        for (k, _), gk in zip(leaves.items(), gs):
            if gk is None:
                grads[k][sl].zero_()
            else:
                grads[k][sl].copy_(gk)
        return loss.detach(), None if out is None else out.detach()


@dataclass
class _Chunk:
    sl: slice
    x: Tensor
    y: Tensor
    p: dict
    g: dict
    ws: dict
    div: Tensor | None


def _same(a, b) -> bool:
    try:
        r = a == b
        return bool(r) if not isinstance(r, Tensor) else bool(r.all())
    except Exception:  # noqa: BLE001 - incomparable objects count as different
        return a is b


# --------------------------------------------------------------------------------------------
# stacked problems
# --------------------------------------------------------------------------------------------

_PROBLEM_TENSORS = ("x_train", "y_train", "y_train_clean", "x_test", "y_test")


@dataclass
class StackedProblem:
    """The training data of M members: each tensor shared ``(n, …)`` or per member ``(M, n, …)``.

    Built by :func:`stack_problems`.  Probes written for one member read ``x_train``/``y_train``
    etc. and broadcast over the member axis; :meth:`member` returns member ``i``'s own problem.

    Parameters
    ----------
    members : list
        The member problems.
    x_train, y_train : Tensor
        Training data, ``(n, …)`` when shared or ``(M, n, …)`` per member.
    y_train_clean, x_test, y_test : Tensor, optional
        Likewise (``None`` when the problems have none).
    per_member : frozenset of str
        Names of the tensors that carry a member axis.
    uniform : bool
        Whether every member trains on a uniform 1-D grid.
    name : str
        The first member's name.

    Examples
    --------
    >>> from simbias.problems import make_regression
    >>> problems = [make_regression("sin(x)", n_train=32, noise_std=0.1, noise_seed=s) for s in range(3)]
    >>> stacked = stack_problems(problems)
    >>> stacked.n_members, sorted(stacked.per_member), stacked.y_train.shape, stacked.x_train.shape
    (3, ['y_train'], torch.Size([3, 32, 1]), torch.Size([32, 1]))
    """

    members: list
    x_train: Tensor
    y_train: Tensor
    y_train_clean: Tensor | None = None
    x_test: Tensor | None = None
    y_test: Tensor | None = None
    per_member: frozenset = frozenset()
    uniform: bool = False
    name: str = ""

    @property
    def n_members(self) -> int:
        return len(self.members)

    def member(self, i: int):
        return self.members[i]

    @property
    def in_features(self) -> int:
        return int(self.x_train.shape[-1])

    @property
    def out_features(self) -> int:
        return int(self.y_train.shape[-1])

    @property
    def target(self):
        return self.members[0].target if "y_train_clean" not in self.per_member else None


def stack_problems(problems: Sequence[Any]) -> StackedProblem:
    """Stack the member problems: tensors equal for all members stay shared, others get a member axis.

    Parameters
    ----------
    problems : sequence
        Supervised problems (``x_train``, ``y_train``; optionally ``y_train_clean``, ``x_test``,
        ``y_test``), one per member, with tensors of equal shapes.

    Returns
    -------
    StackedProblem
        The shared or stacked tensors; differing shapes raise :class:`InputError`.

    Examples
    --------
    >>> from simbias.problems import make_regression
    >>> stacked = stack_problems([make_regression("sin(x)", n_train=16)] * 2)
    >>> stacked.per_member, stacked.y_train.shape
    (frozenset(), torch.Size([16, 1]))
    """
    problems = list(problems)
    if not problems:
        raise InputError("problems", "got an empty list", "give one problem per member")
    kw: dict[str, Any] = {}
    per = set()
    for name in _PROBLEM_TENSORS:
        ts = [getattr(p, name, None) for p in problems]
        if ts[0] is None:
            if name in ("x_train", "y_train"):
                raise InputError("problem", f"has no {name}", "give supervised problems (x_train, y_train)")
            kw[name] = None
            continue
        shapes = {tuple(t.shape) for t in ts}
        if len(shapes) > 1:
            raise InputError("problems", f"{name} shapes differ across members: {sorted(shapes)}",
                             "members of one ensemble need data of one shape; bucket them by n_train/n_test")
        if all(t is ts[0] or torch.equal(t, ts[0]) for t in ts[1:]):
            kw[name] = ts[0]
        else:
            kw[name] = torch.stack(ts)
            per.add(name)
    return StackedProblem(members=problems, per_member=frozenset(per),
                          uniform=all(getattr(p, "uniform", False) for p in problems),
                          name=str(getattr(problems[0], "name", "")), **kw)


# --------------------------------------------------------------------------------------------
# element-wise optimisers with per-member hyper-parameters
# --------------------------------------------------------------------------------------------

def _lr_tensor(lr, M: int, device) -> Tensor:
    t = torch.as_tensor(lr, dtype=torch.float64).flatten().to(device)
    if t.numel() == 1:
        t = t.expand(M).clone()
    if t.numel() != M:
        raise InputError("lr", f"has {t.numel()} entries for {M} members", "give one learning rate or one per member")
    if not bool(torch.isfinite(t).all()) or not bool((t > 0).all()):
        raise InputError("lr", f"got {t.tolist()}", "use positive learning rates")
    return t


class _EnsembleOptimizer:
    """Shared parts: ``(M,)`` float64 learning rates, masks for frozen members, lr decay."""

    def __init__(self, params: Sequence[Tensor], lr):
        self.params = list(params)
        if not self.params:
            raise InputError("params", "got no parameters", "pass ensemble.parameters()")
        self.n_members = int(self.params[0].shape[0])
        if any(int(p.shape[0]) != self.n_members for p in self.params):
            raise InputError("params", "the stacked parameters disagree on the number of members", "pass ensemble.parameters()")
        self.lr = _lr_tensor(lr, self.n_members, self.params[0].device)

    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state (learning rates and moment buffers), for checkpoints."""
        return {"lr": self.lr, **self._state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` (copied into this optimiser's own tensors)."""
        self.lr.copy_(state["lr"])
        self._load(state)

    def decay(self, factor: float) -> None:
        """Multiply every learning rate by ``factor`` (as ``fit``'s ``lr_decay`` does, in float64)."""
        self.lr.mul_(factor)

    def _neg_lr(self, scale: float | None, p: Tensor) -> Tensor:
        v = self.lr if scale is None else self.lr / scale
        return _member_view((-v).to(p.dtype), p.ndim)


class EnsembleAdam(_EnsembleOptimizer):
    """Adam on stacked parameters with one learning rate per member.

    The update is ``torch.optim.Adam``'s single-tensor update written with an ``(M,)`` learning
    rate: ``m ← lerp(m, g, 1−β₁)``, ``v ← β₂ v + (1−β₂) g²``,
    ``p ← p + (−lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)`` — the same operations in the same order,
    so at M = 1 it equals ``torch.optim.Adam`` bit for bit (CPU).  ``step(grads, active)``
    takes the gradients ``(M, *shape)`` of every parameter; members with ``active[i] = False``
    are left untouched.

    Parameters
    ----------
    params : sequence of Tensor
        Stacked parameters ``(M, *shape)`` (e.g. ``Ensemble.parameters()``), updated in place.
    lr : float or sequence of float
        One learning rate, or one per member.
    betas : (float, float)
        β₁, β₂.
    eps : float
        ε.
    weight_decay : float
        L2 penalty added to the gradient (as ``torch.optim.Adam``).

    Examples
    --------
    >>> import torch
    >>> p = torch.zeros(2, 3)                      # M = 2 members, 3 parameters each
    >>> opt = EnsembleAdam([p], lr=[0.1, 0.01])
    >>> opt.step([torch.ones(2, 3)])
    >>> p
    tensor([[-0.1000, -0.1000, -0.1000],
            [-0.0100, -0.0100, -0.0100]])
    """

    def __init__(self, params: Sequence[Tensor], lr=1e-3, *, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps, self.weight_decay = float(eps), float(weight_decay)
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def _state(self) -> dict[str, Any]:
        return {"t": self.t, "exp_avg": self.exp_avg, "exp_avg_sq": self.exp_avg_sq}

    def _load(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        for dst, src in zip(self.exp_avg + self.exp_avg_sq, list(state["exp_avg"]) + list(state["exp_avg_sq"])):
            dst.copy_(src)

    @torch.no_grad()
    def step(self, grads: Sequence[Tensor], active: Tensor | None = None) -> None:
        """One update; members with ``active[i] = False`` are left untouched."""
        self.t += 1
        step = float(self.t)
        bc1 = 1 - self.beta1 ** step
        bc2 = 1 - self.beta2 ** step
        bc2_sqrt = bc2 ** 0.5
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            if self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            if v.device.type == "cpu":
                # = v.sqrt() bit for bit, but sqrt(0) takes ~30× longer than sqrt(x > 0) here, and a
                # ReLU net's dead units keep v = 0: take the root of 1 there and multiply by 0
                pos = v > 0
                root = torch.where(pos, v, 1.0).sqrt_().mul_(pos)
            else:
                root = v.sqrt()
            denom = (root / bc2_sqrt).add_(self.eps)
            upd = (self._neg_lr(bc1, p) * m).div_(denom)  # = addcdiv's value·t1/t2
            if active is not None:
                upd = torch.where(_member_view(active, p.ndim), upd, 0.0)
            p.add_(upd)


class EnsembleSGD(_EnsembleOptimizer):
    """SGD (with optional momentum, dampening, Nesterov, weight decay) with one learning rate per
    member; at M = 1 equal to ``torch.optim.SGD`` bit for bit (CPU).

    ``step(grads, active)`` as for :class:`EnsembleAdam`.

    Parameters
    ----------
    params : sequence of Tensor
        Stacked parameters ``(M, *shape)``, updated in place.
    lr : float or sequence of float
        One learning rate, or one per member.
    momentum, dampening : float
        As ``torch.optim.SGD``.
    nesterov : bool
        Nesterov momentum.
    weight_decay : float
        L2 penalty added to the gradient.

    Examples
    --------
    >>> import torch
    >>> p = torch.zeros(2, 2)
    >>> EnsembleSGD([p], lr=[0.1, 0.01]).step([torch.ones(2, 2)])
    >>> p
    tensor([[-0.1000, -0.1000],
            [-0.0100, -0.0100]])
    """

    def __init__(self, params: Sequence[Tensor], lr=1e-3, *, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.dampening = float(momentum), float(dampening)
        self.nesterov, self.weight_decay = bool(nesterov), float(weight_decay)
        self.buffers: list[Tensor | None] = [None] * len(self.params)

    def _state(self) -> dict[str, Any]:
        return {"momentum_buffers": self.buffers}

    def _load(self, state: dict[str, Any]) -> None:
        self.buffers = [None if b is None else b.to(p.device).clone() for b, p in zip(state["momentum_buffers"], self.params)]

    @torch.no_grad()
    def step(self, grads: Sequence[Tensor], active: Tensor | None = None) -> None:
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            if self.momentum:
                buf = self.buffers[i]
                if buf is None:
                    buf = self.buffers[i] = g.detach().clone()
                else:
                    buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                g = g.add(buf, alpha=self.momentum) if self.nesterov else buf
            if active is not None:
                g = torch.where(_member_view(active, p.ndim), g, 0.0)
            p.addcmul_(g, self._neg_lr(None, p))  # = add_(g, alpha=−lr), element for element


ENSEMBLE_OPTIMIZERS: dict[str, type] = {"adam": EnsembleAdam, "sgd": EnsembleSGD}


def make_ensemble_optimizer(name: str, ensemble: "Ensemble | Sequence[Tensor]", *, lr, **options):
    """Build the element-wise optimiser ``name`` (``adam`` | ``sgd``) over the stacked parameters;
    ``lr`` is one number or one per member.

    Parameters
    ----------
    name : {"adam", "sgd"}
        A key of :data:`ENSEMBLE_OPTIMIZERS`; other names raise :class:`InputError`.
    ensemble : Ensemble or sequence of Tensor
        The ensemble (its ``parameters()``) or stacked parameters.
    lr : float or sequence of float
        One learning rate, or one per member.
    **options
        The optimiser's keyword arguments (``betas``, ``momentum``, …).

    Returns
    -------
    EnsembleAdam or EnsembleSGD
        The optimiser.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> ens = Ensemble([TwoLayer(1, 20, generator=torch.Generator().manual_seed(s)) for s in range(2)])
    >>> opt = make_ensemble_optimizer("sgd", ens, lr=[0.1, 0.01], momentum=0.9)
    >>> opt.lr
    tensor([0.1000, 0.0100], dtype=torch.float64)
    """
    if name not in ENSEMBLE_OPTIMIZERS:
        raise InputError("train.optimizer", f"{name!r} has no ensemble version",
                         f"choose one of {', '.join(ENSEMBLE_OPTIMIZERS)} or run the members sequentially")
    params = ensemble.parameters() if isinstance(ensemble, Ensemble) else list(ensemble)
    if "betas" in options:
        options["betas"] = tuple(options["betas"])
    return ENSEMBLE_OPTIMIZERS[name](params, lr, **options)


# --------------------------------------------------------------------------------------------
# ensemble-aware probes
# --------------------------------------------------------------------------------------------

class PerMember:
    """Run a one-member probe once per member (its ``setup`` on each member's own problem).

    For probes whose state comes from the member's data — e.g. :class:`~simbias.train.PeakError`
    keeps the DFT of the labels, which differ between members with label noise — or whose
    arithmetic is not written for a member axis.  Each member's values are computed by the
    probe's own code on that member's output, exactly as :func:`fit` computes them (so the numbers
    do not depend on the other members).  :func:`fit_ensemble` wraps ``PeakError`` this way
    by itself.  A wrapped probe that calls ``ctx.model`` gets a copy of its member (slow; meant for
    probes that use ``ctx.output_on_train()``).
    """

    def __init__(self, probe, *, batched: bool = True):
        self.probe, self.batched = probe, batched  # batched: the probe also takes a member axis (GPU fast path)
        self.snapshot = bool(getattr(probe, "snapshot", False))
        self._instances: list = []
        self._problems: list = []

    def setup_ensemble(self, ensemble: "Ensemble", problem) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        if isinstance(problem, StackedProblem) and (problem.per_member & {"x_train", "y_train", "x_test", "y_test"}):
            members = problem.members
        else:  # one data set for all: one set-up
            first = problem.members[0] if isinstance(problem, StackedProblem) else problem
            members = [first] * ensemble.n_members

        def one(pr):
            inst = copy.deepcopy(self.probe)
            return inst, inst.setup(None, pr)

        done = _per_distinct(members, one)
        self._instances = [d[0] for d in done]
        self._problems = members
        return _split_statics([d[1] for d in done])

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        out = ctx.output_on_train() if not self.snapshot else None
        shared = all(inst is self._instances[0] for inst in self._instances)
        if self.batched and shared and out is not None and out.device.type != "cpu":
            return self._instances[0](ctx)  # one batched call: on a GPU, per-member launches dominate
        vals: dict[str, list[Tensor]] = {}
        for i, (inst, pr) in enumerate(zip(self._instances, self._problems)):
            model = _LazyMember(ctx.model, i)
            sub = RecordContext(ctx.step, model, pr, None if out is None else out[i])
            for k, v in inst(sub).items():
                vals.setdefault(k, []).append(v)
        return {k: torch.stack(v) for k, v in vals.items()}


class _LazyMember:
    def __init__(self, ensemble: "Ensemble", i: int):
        self.ensemble, self.i, self._m = ensemble, i, None

    def __call__(self, x):
        if self._m is None:
            self._m = self.ensemble.member(self.i)
        with torch.no_grad():
            return self._m(x)


def _split_statics(statics: list[dict[str, np.ndarray]]) -> tuple[dict, dict]:
    shared, member = {}, {}
    for k in statics[0]:
        vals = [np.asarray(s[k]) for s in statics]
        if all(v.shape == vals[0].shape and np.array_equal(v, vals[0], equal_nan=v.dtype.kind in "fc")
               for v in vals[1:]):
            shared[k] = vals[0]
        elif len({v.shape for v in vals}) > 1:
            i = next(j for j, v in enumerate(vals) if v.shape != vals[0].shape)
            raise InputError("problem", f"member {i}'s {k!r} has shape {vals[i].shape}, member 0's {vals[0].shape}",
                             "members with different probe set-ups (e.g. different DFT peaks) need separate ensembles")
        else:
            member[k] = np.stack(vals)
    return shared, member


def _setup_probe(probe, ensemble: Ensemble, problem: StackedProblem) -> tuple[dict, dict]:
    if hasattr(probe, "setup_ensemble"):
        return probe.setup_ensemble(ensemble, problem)
    if not problem.per_member:
        return probe.setup(ensemble, problem), {}
    return _split_statics(_per_distinct(problem.members, lambda pr: probe.setup(ensemble, pr)))


def _per_distinct(items: list, fn: Callable) -> list:
    """``[fn(x) for x in items]``, calling ``fn`` once per distinct object."""
    cache: dict[int, Any] = {}
    return [cache[id(x)] if id(x) in cache else cache.setdefault(id(x), fn(x)) for x in items]


# probes written for one member's output (the high-dimensional ones): run per member
_ONE_MEMBER = (PeakError, _probes_nd.SupervisedLoss, _probes_nd.Accuracy, _probes_nd.ProjectionError,
               _probes_nd.ProjectionSpectrum, _probes_nd.FilterError, _probes_nd.BandError, _probes_nd.DiagonalSpectrum)


def _ensemble_probe(probe):
    if isinstance(probe, _ONE_MEMBER):
        return PerMember(probe, batched=isinstance(probe, PeakError))
    return probe


# --------------------------------------------------------------------------------------------
# fit_ensemble
# --------------------------------------------------------------------------------------------

def fit_ensemble(ensemble: Ensemble | Sequence[nn.Module], problem, optimizer="adam", *, steps: int,
                 loss: str | Callable = "mse", derivative_weight: float = 1.0, batch_size: int | None = None,
                 record: Record | None = None, stop: Callable[[int, dict], bool] | None = None,
                 on_record: Callable[[int, dict], None] | None = None, on_step: Callable[[int], None] | None = None,
                 progress: bool = False, lr_decay: float = 0.0, checkpoint_every: int | None = None,
                 on_checkpoint: Callable[[Checkpoint], None] | None = None, resume: Checkpoint | None = None,
                 generator: torch.Generator | None = None, lr=None, optimizer_options: dict | None = None,
                 chunk_size: int | None = None) -> History:
    """Train the M members of ``ensemble`` on ``problem`` in lockstep for ``steps`` updates.

    Parameters
    ----------
    ensemble
        An :class:`Ensemble`, or a list of same-shape models (then the trained
        parameters are written back into them at the end, as M :func:`fit` calls would).
    problem
        One supervised problem shared by every member, or a :class:`StackedProblem`
        (:func:`stack_problems`) with per-member data (e.g. per-member label noise).
    optimizer
        An element-wise ensemble optimiser over ``ensemble.parameters()``
        (:class:`EnsembleAdam`, :class:`EnsembleSGD`, :func:`make_ensemble_optimizer`), or
        its name (``"adam"`` | ``"sgd"``), built with ``lr`` and ``optimizer_options``.
    steps
        Number of updates (full batch).
    batch_size
        Must be ``None`` (the ensemble trains full batch); present so that ``fit`` and
        ``fit_ensemble`` share one signature.
    lr
        With an optimiser name: one learning rate, or one per member.
    optimizer_options
        With an optimiser name: e.g. ``{"momentum": 0.9}``.
    loss
        ``"mse"``, ``"mse+derivative"`` (λ = ``derivative_weight``, see :func:`fit`), or a
        callable ``loss(forward, x, y, members, step) -> (losses (C,), output or None)`` for a
        chunk of members, where ``forward(x)`` runs the chunk's members with autograd.
    derivative_weight
        λ of ``"mse+derivative"``.
    record
        What to record and when, as for :func:`fit`; probes see ``ctx.model`` = the
        ensemble (``(M, n, c)`` outputs) and ``ctx.problem`` = the stacked problem.
    stop
        ``stop(step, values) -> bool`` for the whole ensemble ("all", not per member),
        called at every record step after its records (before that step's update) with the
        values just recorded (member axis first) and ``values["losses"]`` (``(M, step)``
        per-step losses so far); ``True`` ends training with the state after ``step`` updates
        as the final state (``info["stopped_early"]``).
    on_record
        Called as ``on_record(step, values)`` after each record.
    on_step
        Called as ``on_step(step)`` after each update (e.g. an outer progress bar).
    progress
        Show a progress bar over steps.
    lr_decay
        Multiply every learning rate by ``(1 − lr_decay)`` after each step.
    checkpoint_every, on_checkpoint
        Hand a :class:`~simbias.train.Checkpoint` (stacked
        parameters, optimiser state, RNG, losses, records, member outcomes) to
        ``on_checkpoint`` before every ``checkpoint_every``-th update.
    resume
        A checkpoint of this run: continue from it (bit for bit the uninterrupted run);
        the ensemble and optimiser given are fresh ones of the same structure.
    generator
        Unused (full batch); the shared signature.
    chunk_size
        Members per chunk within a step (``None``: cache-sized chunks on the CPU, all
        members on CUDA).  Does not change any number.

    Returns
    -------
    History
        The member axis first in every recorded array (``(M, n_records, …)``),
        ``static["loss"]`` of shape ``(M, steps)``, ``outcome`` and ``diverged_step`` as
        per-member lists.  A diverged member's records from its divergence step on are NaN;
        :func:`member_history` cuts them off.  Divergence is never raised.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, default_probes
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64)
    >>> nets = [TwoLayer(1, 50, generator=torch.Generator().manual_seed(s)) for s in range(4)]
    >>> h = fit_ensemble(nets, prob, "adam", lr=[1e-3, 1e-3, 1e-2, 1e-2], steps=20,
    ...                  record=Record(every=10, probes=default_probes(prob)))
    >>> h.arrays["peak_error"].shape, h.static["loss"].shape
    ((4, 3, 2), (4, 20))
    """
    if batch_size is not None:
        raise InputError("train.batch_size", f"got {batch_size!r}; the ensemble engine trains full batch",
                         "leave train.batch_size unset or train the members one by one (engine sequential)")
    if stop is not None and not callable(stop):
        raise InputError("stop", f"got {type(stop).__name__}", "give a callable stop(step, values) -> bool")
    ckpt_every = _check_every(checkpoint_every, on_checkpoint)
    if resume is not None:
        resume = _check_resume(resume, "ensemble", steps)
    given_models = None
    if not isinstance(ensemble, Ensemble):
        given_models = list(ensemble)
        ensemble = Ensemble(given_models)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InputError("train.steps", f"got {steps!r}", "use a non-negative integer")
    M = ensemble.n_members
    if not isinstance(problem, StackedProblem):
        problem = stack_problems([problem] * M)
    if problem.n_members != M:
        raise InputError("problem", f"stacks {problem.n_members} members, the ensemble has {M}",
                         "stack one problem per member")
    if isinstance(optimizer, str):
        if lr is None:
            raise InputError("lr", "an optimiser given by name needs lr=", "e.g. fit_ensemble(models, problem, 'adam', lr=1e-3, ...)")
        optimizer = make_ensemble_optimizer(optimizer, ensemble, lr=lr, **(optimizer_options or {}))
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "params"):
        raise InputError("optimizer", f"got {type(optimizer).__name__}",
                         "use an ensemble optimiser, e.g. make_ensemble_optimizer('adam', ensemble, lr=...)")
    if len(optimizer.params) != len(ensemble.params) or any(
            a is not b for a, b in zip(optimizer.params, ensemble.parameters())):
        raise InputError("optimizer", "does not hold this ensemble's stacked parameters",
                         "build it from ensemble.parameters() of the ensemble you train")
    record = record if record is not None else Record(every=1, probes=())
    probes = [_ensemble_probe(p) for p in record.probes]
    rec_steps, snap_steps = record.steps_for(steps)
    rec_set, snap_set = set(rec_steps.tolist()), set(snap_steps.tolist())
    cheap = [p for p in probes if not p.snapshot]
    snaps = [p for p in probes if p.snapshot]
    static: dict[str, np.ndarray] = {}
    member_static: dict[str, np.ndarray] = {}
    for p in probes:
        sh, mem = _setup_probe(p, ensemble, problem)
        static.update(sh)
        member_static.update(mem)

    x_all, y_all = problem.x_train, problem.y_train
    if y_all.ndim == 2:
        y_all = y_all.unsqueeze(0).expand(M, *y_all.shape)
    n_points = int(x_all.shape[-2] if x_all.ndim >= 2 else x_all.shape[0])
    chunks = ensemble.chunks(n_points, chunk_size)
    ensemble._ws_members = max(s.stop - s.start for s in chunks)
    device, dtype = ensemble.device, ensemble.dtype

    # the objective
    custom = callable(loss)
    if custom:
        loss_fn = loss
        manual = False
    else:
        if loss not in ("mse", "mse+derivative"):
            raise InputError("train.loss", f"unknown loss {loss!r}", "choose 'mse' or 'mse+derivative'")
        manual = loss == "mse" and ensemble.plan is not None and ensemble.plan.manual_backward
        target_grad = None
        if loss == "mse+derivative":
            tg = [supervised_loss(loss, pr, derivative_weight=derivative_weight) for pr in problem.members]
            target_grad = tg[0] if all(torch.equal(t, tg[0]) for t in tg[1:]) else torch.stack(tg)
        loss_fn = _supervised_objective(loss, target_grad, derivative_weight, ensemble)

    grads = {k: torch.zeros_like(v) for k, v in ensemble.params.items()}
    grad_list = list(grads.values())
    contexts = [ensemble._chunk(sl, x_all, y_all, grads) for sl in chunks]
    inv_n = torch.ones((), dtype=dtype, device=device).div_(int(np.prod(y_all.shape[1:])))
    losses = torch.empty(steps, M, dtype=torch.float64, device=device)
    train_out = torch.empty(M, *y_all.shape[1:], dtype=dtype, device=device)
    active = torch.ones(M, dtype=torch.bool, device=device)
    diverged_at = torch.full((M,), -1, dtype=torch.int64, device=device)
    rec_vals: dict[str, list[Tensor]] = {}
    snap_keys: set[str] = set()
    cpu = device.type == "cpu"
    start = 0
    if resume is not None:
        with torch.no_grad():
            for k, v in resume.model["params"].items():
                ensemble.params[k].copy_(v)
            for k, v in resume.model["buffers"].items():
                ensemble.buffers[k].copy_(v)
        optimizer.load_state_dict(resume.optimizer)
        eng = resume.engine
        start = resume.step
        losses[:start] = eng["losses"].to(device)
        active.copy_(eng["active"])
        diverged_at.copy_(eng["diverged_at"])
        rec_vals = _unstack_records(eng["records"], device, dim=1)
        snap_keys = set(eng["snapshot_keys"])
        _set_rng_state(resume.rng, generator, device)
    fused = _fused.fused_step(ensemble, x_all, y_all, grads, loss=loss if manual else "", work=float(steps) * M *
                              n_points * ensemble._width) if manual else None
    fused_opt = _fused.fused_adam(optimizer, with_step=fused is not None, mode=ensemble.fused,
                                  work=float(steps) * sum(p.numel() for p in ensemble.params.values()))
    compile_s = 0.0

    def take(step: int, train_output: Tensor | None, which: list, done: dict) -> None:
        ctx = RecordContext(step, ensemble, problem, train_output)
        now: dict[str, Tensor] = {}
        for p in which:
            for k, v in p(ctx).items():
                v = v.detach()
                if v.ndim == 0 or v.shape[0] != M:
                    v = v.expand(M, *v.shape) if v.ndim == 0 else v.unsqueeze(0).expand(M, *v.shape)
                rec_vals.setdefault(k, []).append(v.clone())
                if p.snapshot:
                    snap_keys.add(k)
                now[k] = v
        done.update(now)
        if on_record is not None and now:
            on_record(step, now)

    def checkpoint(step: int) -> Checkpoint:
        return Checkpoint(kind="ensemble", step=step, steps=steps,
                          model={"params": _clone(ensemble.params), "buffers": _clone(ensemble.buffers)},
                          optimizer=_clone(optimizer.state_dict()), rng=_rng_state(generator, device),
                          engine={"losses": losses[:step].clone(), "active": active.clone(),
                                  "diverged_at": diverged_at.clone(), "records": _stack_records(rec_vals, dim=1),
                                  "snapshot_keys": sorted(snap_keys)})

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=start, desc=f"training {M} members", unit="step", leave=False,
                   dynamic_ncols=True)
    t0 = time.perf_counter()
    n_done = steps
    final_done: set[str] = set()
    try:
        for step in range(start, steps):
            if ckpt_every is not None and step > start and step % ckpt_every == 0:
                on_checkpoint(checkpoint(step))
            values: dict[str, Tensor] = {}
            if step in snap_set:
                take(step, None, snaps, values)
            step_loss = torch.empty(M, dtype=dtype, device=device)
            res = fused() if fused is not None else None
            if res is not None:  # one fused kernel for all members (train/_fused.py)
                step_loss.copy_(res[0])
                train_out.view(M, -1).copy_(res[1])
                if fused.compile_s:
                    compile_s, fused.compile_s = fused.compile_s, 0.0
            else:
                fused = None  # compilation unavailable: the standard kernels from here on
            for ch in contexts if fused is None else ():
                if manual:
                    lc, oc = ensemble._mse_manual(ch, inv_n)
                else:
                    lc, oc = ensemble._autograd_step(ch.sl, ch.x, ch.y, grads, loss_fn, step)
                step_loss[ch.sl] = lc
                if oc is not None:
                    train_out[ch.sl] = oc
            if step in rec_set:
                take(step, train_out if not custom else None, cheap, values)
            if stop is not None and (step in rec_set or values) and \
                    stop(step, {**values, "losses": losses[:step].T}):
                n_done = step
                final_done = ({"cheap"} if step in rec_set else set()) | ({"snap"} if step in snap_set else set())
                break
            losses[step] = step_loss
            finite = torch.isfinite(step_loss)
            diverged_at = torch.where(active & ~finite, step, diverged_at)
            active &= finite
            act = None if (cpu and bool(active.all())) else active
            if fused_opt is None or not fused_opt.step(grad_list, act):
                fused_opt = None
                optimizer.step(grad_list, active=act)
            elif fused_opt.compile_s:
                compile_s, fused_opt.compile_s = compile_s + fused_opt.compile_s, 0.0
            if lr_decay:
                optimizer.decay(1.0 - lr_decay)
            if on_step is not None:
                on_step(step)
            if bar is not None:
                bar.update(1)
                if step % max(1, steps // 100) == 0:
                    bar.set_postfix(active=int(active.sum()), refresh=False)
        final = [p for p in probes if ("snap" if p.snapshot else "cheap") not in final_done]
        take(n_done, None, final, {})  # the final state is in both schedules
    finally:
        if bar is not None:
            bar.close()
        ensemble._ws.clear()
    wall = time.perf_counter() - t0

    div = diverged_at.cpu().numpy()
    if n_done < steps:  # stopped: the records below n_done, then the final state
        rec_steps = np.append(rec_steps[rec_steps < n_done], n_done).astype(np.int64)
        snap_steps = np.append(snap_steps[snap_steps < n_done], n_done).astype(np.int64)
    arrays: dict[str, np.ndarray] = {}
    for k, vals in rec_vals.items():
        a = torch.stack(vals, dim=1).cpu().numpy()  # (M, R, ...)
        sched = snap_steps if k in snap_keys else rec_steps
        if a.dtype.kind in "fc":
            for i in np.nonzero(div >= 0)[0]:
                a[i, sched >= div[i]] = np.nan
        arrays[k] = a
    st = dict(static)
    st.update(member_static)
    st["loss"] = losses[:n_done].T.cpu().numpy()
    st["snapshot_steps"] = snap_steps
    if given_models is not None:
        ensemble.write_back(given_models)
    return History(
        steps=rec_steps, arrays=arrays, static=st,
        outcome=[Outcome.DIVERGED if d >= 0 else Outcome.COMPLETED for d in div],
        diverged_step=[int(d) if d >= 0 else None for d in div],
        info={"steps_done": int(n_done), "wall_time_s": wall, **({"stopped_early": True} if n_done < steps else {}),
              "n_members": M, "chunks": [s.stop - s.start for s in chunks],
              "member_static": sorted(member_static) + ["loss"], "snapshot_arrays": sorted(snap_keys),
              "kernel": "dense" if ensemble.plan is not None else "vmap",
              "backward": "manual" if manual else "autograd", "fused": fused is not None,
              "fused_adam": fused_opt is not None, "compile_s": compile_s})


def _supervised_objective(kind: str, target_grad: Tensor | None, weight: float, ensemble: Ensemble):
    def objective(forward, xc, yc, sl, step):
        if target_grad is None:
            out = forward(xc)
            return ((out - yc) ** 2).mean(dim=tuple(range(1, out.ndim))), out
        xb = xc.detach().clone().requires_grad_(True)  # one copy per member: ∂/∂x must not mix members
        out = forward(xb)
        (dh,) = torch.autograd.grad(out.sum(), xb, create_graph=True)
        tg = target_grad[sl] if target_grad.ndim == xc.ndim else target_grad
        value = ((out - yc) ** 2).mean(dim=tuple(range(1, out.ndim)))
        value = value + weight * ((dh - tg) ** 2).mean(dim=tuple(range(1, dh.ndim)))
        return value, out

    return objective


def member_history(history: History, i: int) -> History:
    """Member ``i`` of an ensemble history, laid out as :func:`fit` returns it.

    A diverged member keeps only what was recorded before its divergence step (and its
    ``static["loss"]`` up to that step), like the history carried by a
    :class:`~simbias.errors.DivergenceError`.

    Parameters
    ----------
    history : History
        What :func:`fit_ensemble` returned.
    i : int
        The member, 0 … M − 1.

    Returns
    -------
    History
        Member ``i``'s arrays without the member axis, its ``static["loss"]``, ``outcome`` and
        ``diverged_step``.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, TrainLoss
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> nets = [TwoLayer(1, 20, generator=torch.Generator().manual_seed(s)) for s in range(3)]
    >>> h = fit_ensemble(nets, prob, "sgd", lr=0.01, steps=10, record=Record(every=5, probes=[TrainLoss()]))
    >>> one = member_history(h, 1)
    >>> one.arrays["train_loss"].shape, one.static["loss"].shape, one.outcome.value
    ((3,), (10,), 'completed')
    """
    M = int(history.info.get("n_members", 0))
    if not 0 <= i < M:
        raise InputError("member", f"got {i}", f"use 0 … {M - 1}")
    d = history.diverged_step[i]
    snap = np.asarray(history.static["snapshot_steps"])
    rec = np.asarray(history.steps)
    snap_keys = set(history.info.get("snapshot_arrays", ()))
    member_keys = set(history.info.get("member_static", ()))
    r_keep = rec < d if d is not None else np.ones(len(rec), bool)
    s_keep = snap < d if d is not None else np.ones(len(snap), bool)
    arrays = {}
    for k, v in history.arrays.items():
        a = v[i]
        arrays[k] = a[s_keep] if k in snap_keys else a[r_keep]
    static = {}
    for k, v in history.static.items():
        static[k] = v[i] if k in member_keys else v
    static["loss"] = static["loss"][: d if d is not None else None]
    static["snapshot_steps"] = snap[s_keep]
    info = {k: v for k, v in history.info.items() if k not in ("member_static", "snapshot_arrays", "chunks")}
    info["steps_done"] = int(d) if d is not None else int(history.info.get("steps_done", 0))
    info["member"] = int(i)
    return History(steps=rec[r_keep], arrays=arrays, static=static, outcome=history.outcome[i], diverged_step=d, info=info)
