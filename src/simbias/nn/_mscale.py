"""Multi-scale DNNs (MscaleDNN; Liu, Cai & Xu, arXiv 2007.11207; Cai & Xu arXiv 1910.11710).

Idea: a component of the target at frequency |k| ≈ a becomes a low frequency after its input is
multiplied by a, and low frequencies are what networks learn fast (the Frequency Principle), so
give parts of the network scaled copies of the input.

* :class:`MscaleDNN1` — one network whose first hidden layer is split into N groups; group i
  sees its pre-activation multiplied by a_i:
  h₁ = σ(K ⊙ (W₀ x) + b₀),  K = (a₁…a₁, a₂…a₂, …, a_N…a_N),
  then ordinary layers.  Each group has ⌊m/N⌋ neurons; the remainder gets the last scale (as
  the MSDNN code does).  ``scale_bias=True`` scales the bias as well, σ(K ⊙ (W₀x + b₀)) (SD2NN).
  ``first_layer="sin"`` uses sin as the first activation (MSDNN ``FourierBase``), ``"sincos"``
  the [cos, sin] layer (:class:`~simbias.nn.SinCosFirstLayer`, width doubled).
* :class:`MscaleDNN2` — a sum of N independent sub-networks, sub-network i fed with a_i x:
  f(x) = Σ_i f_{θ_i}(a_i x) (the paper's preferred form; the ``mscalednn`` code's Ritz example
  uses 6 × 1-30-30-30-1 with sin).

Scales: a list, or a rule via :func:`make_scales` — ``"geometric"`` start·base^i (1, 2, 4, …,
32 for n = 6), ``"linear"`` evenly from start to stop (1, 2, …, n by default), ``"msdnn"``
(1, 1, 2, 3, …, n − 1; the MSDNN code's 1, 1, 2, …, 98 for n = 99).

Default initialisation ``"mscale"`` (N(0, 1)·2/√(n_in + n_out) for weights and biases, the
``mscalednn`` code); ``"msdnn"`` is the MSDNN code's (:mod:`simbias.nn._blocks`).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._blocks import Activation, DenseStack, ScaledLinear, SinCosFirstLayer, as_batch, check_size, check_widths
from ._blocks import resolve_activation

__all__ = ["SCALE_RULES", "make_scales", "check_scales", "expand_scales", "MscaleDNN1", "MscaleDNN2"]

SCALE_RULES = ("geometric", "linear", "msdnn")
FIRST_LAYERS = ("activation", "sin", "sincos")


def make_scales(rule: str, n: int, *, base: float = 2.0, start: float = 1.0, stop: float | None = None) -> tuple[float, ...]:
    """``n`` scales by a rule: ``"geometric"`` start·base^i; ``"linear"`` linspace(start, stop or start + n − 1, n);
    ``"msdnn"`` (1, 1, 2, …, n − 1).

    Parameters
    ----------
    rule : {"geometric", "linear", "msdnn"}
        The rule.
    n : int
        Number of scales.
    base : float, default 2.0
        Ratio of ``"geometric"``.
    start : float, default 1.0
        First scale of ``"geometric"`` and ``"linear"``.
    stop : float, optional
        Last scale of ``"linear"`` (default start + n − 1).

    Returns
    -------
    tuple of float
        The scales (positive, finite).

    Examples
    --------
    >>> make_scales("geometric", 6)
    (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    >>> make_scales("msdnn", 4)
    (1.0, 1.0, 2.0, 3.0)
    """
    if rule not in SCALE_RULES:
        raise InputError("model.scales", f"unknown rule {rule!r}", f"choose one of {', '.join(SCALE_RULES)} or give a list")
    check_size("model.n_scales", n)
    if rule == "geometric":
        scales = [float(start) * float(base) ** i for i in range(n)]
    elif rule == "linear":
        hi = float(start) + n - 1 if stop is None else float(stop)
        scales = [float(start)] if n == 1 else [float(start) + (hi - float(start)) * i / (n - 1) for i in range(n)]
    else:
        scales = [1.0] + [float(i) for i in range(1, n)]
    return check_scales(scales)


def check_scales(scales) -> tuple[float, ...]:
    """The scales as a tuple of positive finite floats, or an InputError naming ``model.scales``."""
    if isinstance(scales, (str, bytes)):
        raise InputError("model.scales", f"got {scales!r}", "give a list such as [1, 2, 4, 8, 16, 32] or use make_scales")
    try:
        values = tuple(float(a) for a in (scales.tolist() if isinstance(scales, Tensor) else scales))
    except (TypeError, ValueError):
        raise InputError("model.scales", f"got {scales!r}", "give a list of positive numbers such as [1, 2, 4, 8]") from None
    if not values:
        raise InputError("model.scales", "got an empty list", "give at least one positive scale, e.g. [1, 2, 4, 8]")
    bad = [a for a in values if not (a > 0 and math.isfinite(a))]
    if bad:
        raise InputError("model.scales", f"got {list(values)} (non-positive or non-finite: {bad})", "give positive numbers")
    return values


def expand_scales(scales, width: int) -> Tensor:
    """Per-neuron scale vector K of length ``width``: ⌊width/N⌋ copies of each scale, the rest the last one."""
    values = check_scales(scales)
    check_size("model.widths[0]", width)
    if len(values) > width:
        raise InputError("model.scales", f"{len(values)} scales for a first layer of {width} neurons",
                         "use at most as many scales as first-layer neurons")
    per = width // len(values)
    k = [a for a in values for _ in range(per)]
    k += [values[-1]] * (width - len(k))
    return torch.tensor(k, dtype=torch.float64)


class MscaleDNN1(nn.Module):
    """One network with a scaled first layer (module docstring): h₁ = σ(K ⊙ (W₀x) + b₀), then a :class:`DenseStack`.

    Parameters
    ----------
    in_features : int
        Input dimension.
    widths : sequence of int
        Hidden widths (non-empty); ``widths[0]`` is the scaled layer.
    out_features : int, default 1
        Output dimension.
    scales : sequence of float
        The N scales a_i (a list; see :func:`make_scales`).
    activation : str or callable, default "srelu"
        Hidden activation; the paper favours compact ones (``srelu``, ``phi``).
    first_layer : {"activation", "sin", "sincos"}, default "activation"
        σ as everywhere, sin, or the [cos, sin] layer (module docstring).
    scale_bias : bool, default False
        Scale the first-layer bias too (SD2NN).
    residual : bool, default False
        Identity skips between equal-width hidden layers (MSDNN code).
    amplitude : float, default 1.0
        The factor s of the ``"sincos"`` first layer.
    init : str, default "mscale"
        Initialisation scheme (:mod:`simbias.nn._blocks`).
    init_std : float, optional
        Standard deviation of ``"normal"``.
    trainable_scales : bool, default False
        Make K a parameter (MSDNN ``adapt_scale``); a buffer otherwise.
    generator : torch.Generator, optional
        The random source of the initialisation (``None``: the global one).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = MscaleDNN1(1, [12, 12], 1, scales=[1, 2, 4], generator=torch.Generator().manual_seed(0))
    >>> net.first.scales.tolist(), net(torch.linspace(0, 1, 5)).shape
    ([1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 4.0], torch.Size([5, 1]))
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int = 1, *, scales: Sequence[float],
                 activation: Activation = "srelu", first_layer: str = "activation", scale_bias: bool = False,
                 residual: bool = False, amplitude: float = 1.0, init: str = "mscale", init_std: float | None = None,
                 trainable_scales: bool = False, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.in_features = check_size("model.in_features", in_features)
        widths = check_widths(widths, allow_empty=False)
        self.scale_values = check_scales(scales)
        k = expand_scales(self.scale_values, widths[0])
        if first_layer not in FIRST_LAYERS:
            raise InputError("model.first_layer", f"got {first_layer!r}", f"choose one of {', '.join(FIRST_LAYERS)}")
        self.first_layer_kind = first_layer
        self.activation_name, act = resolve_activation(activation)
        common = dict(init=init, init_std=init_std, trainable_scales=trainable_scales, generator=generator, dtype=dtype,
                      device=device)
        if first_layer == "sincos":
            if scale_bias:
                raise InputError("model.scale_bias", "not used with first_layer='sincos' (that layer has no bias)",
                                 "drop model.scale_bias")
            self.first = SinCosFirstLayer(in_features, widths[0], scales=k, amplitude=amplitude, **common)
            self.first_act = None
        else:
            self.first = ScaledLinear(in_features, widths[0], k, scale_bias=scale_bias, **common)
            self.first_act = torch.sin if first_layer == "sin" else act
        self.trunk = DenseStack(self.first.out_features, widths[1:], out_features, act, init=init, init_std=init_std,
                                residual=residual, generator=generator, dtype=dtype, device=device)
        self.widths, self.out_features = widths, out_features

    def forward(self, x: Tensor) -> Tensor:
        """(n, out_features) for x (n, in_features) (or (n,) when in_features = 1)."""
        h = self.first(as_batch(x, self.in_features))
        if self.first_act is not None:
            h = self.first_act(h)
        return self.trunk(h)

    def extra_repr(self) -> str:
        return f"scales={list(self.scale_values)}, activation={self.activation_name!r}, first_layer={self.first_layer_kind!r}"


class MscaleDNN2(nn.Module):
    """Σ_i f_{θ_i}(a_i x): one :class:`DenseStack` ``in → widths → out`` per scale a_i (module docstring).

    The sub-networks are initialised one after another from the same ``generator``.  The scales
    are a buffer (``scales``); :meth:`subnet_outputs` gives the N terms of the sum.

    Parameters
    ----------
    in_features : int
        Input dimension.
    widths : sequence of int
        Hidden widths of every sub-network.
    out_features : int, default 1
        Output dimension.
    scales : sequence of float
        The N scales a_i (see :func:`make_scales`).
    activation : str or callable, default "srelu"
        Hidden activation.
    residual : bool, default False
        Identity skips between equal-width hidden layers.
    init : str, default "mscale"
        Initialisation scheme (:mod:`simbias.nn._blocks`).
    init_std : float, optional
        Standard deviation of ``"normal"``.
    generator : torch.Generator, optional
        The random source of the initialisation (``None``: the global one).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = MscaleDNN2(1, [30, 30, 30], 1, scales=make_scales("geometric", 6), activation="sin")
    >>> x = torch.linspace(-1, 1, 8)
    >>> torch.allclose(net(x), net.subnet_outputs(x).sum(0), atol=1e-6)
    True
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int = 1, *, scales: Sequence[float],
                 activation: Activation = "srelu", residual: bool = False, init: str = "mscale",
                 init_std: float | None = None, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.in_features = check_size("model.in_features", in_features)
        self.widths = check_widths(widths)
        self.scale_values = check_scales(scales)
        self.activation_name, act = resolve_activation(activation)
        self.subnets = nn.ModuleList(
            DenseStack(in_features, self.widths, out_features, act, init=init, init_std=init_std, residual=residual,
                       generator=generator, dtype=dtype, device=device)
            for _ in self.scale_values
        )
        self.register_buffer("scales", torch.tensor(self.scale_values, dtype=dtype or torch.get_default_dtype(),
                                                    device=device))
        self.out_features = out_features

    def subnet_outputs(self, x: Tensor) -> Tensor:
        """f_{θ_i}(a_i x) for every i, shape (N, n, out_features).

        Parameters
        ----------
        x : torch.Tensor
            Inputs (n, in_features) or (n,).

        Returns
        -------
        torch.Tensor
            (N, n, out_features); their sum over the first axis is ``forward(x)``.
        """
        x = as_batch(x, self.in_features)
        return torch.stack([net(a * x) for a, net in zip(self.scales, self.subnets)])

    def forward(self, x: Tensor) -> Tensor:
        """Σ_i f_{θ_i}(a_i x), shape (n, out_features); the sub-networks run as one batched product."""
        # Same numbers as ``subnet_outputs(x).sum(0)``, but the N sub-networks run as one batched
        # matrix product per layer (their weights stacked on the fly, so gradients still reach each
        # sub-network's own parameters): ~3x faster for the 6 x 1-30-30-30-1 Ritz example.
        x = as_batch(x, self.in_features)
        h = self.scales.view(-1, 1, 1) * x.unsqueeze(0)  # (N, n, d)
        first = self.subnets[0]
        for i in range(len(first.hidden)):
            layers = [net.hidden[i] for net in self.subnets]
            y = first.act(_batched_linear(layers, h))
            h = y + h if first.residual and y.shape == h.shape else y
        if first.output is not None:
            h = _batched_linear([net.output for net in self.subnets], h)
        return h.sum(dim=0)

    def extra_repr(self) -> str:
        return f"scales={list(self.scale_values)}, activation={self.activation_name!r}"


def _batched_linear(layers: Sequence[nn.Linear], h: Tensor) -> Tensor:
    """Apply N same-shape linear layers to h (N, n, in) at once: h @ W_iᵀ + b_i."""
    w = torch.stack([layer.weight for layer in layers]).transpose(1, 2)  # (N, in, out)
    if layers[0].bias is None:
        return torch.bmm(h, w)
    b = torch.stack([layer.bias for layer in layers]).unsqueeze(1)  # (N, 1, out)
    return torch.baddbmm(b, h, w)
