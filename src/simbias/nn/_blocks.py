"""Shared building blocks of the multi-scale and Fourier-feature models.

* :class:`DenseStack` — Linear layers with one activation and explicit initialisation; the trunk
  of every model in ``_mscale.py`` and ``_fourier.py`` (models compose it, never copy it).
* :class:`ScaledLinear` — z = K ⊙ (W x) + b: a first layer whose neurons carry fixed scales K
  (MscaleDNN-1, Liu, Cai & Xu arXiv 2007.11207; Li, Xu & Zhang arXiv 2009.14597).
* :class:`SinCosFirstLayer` — s·[cos z, sin z] with z = K ⊙ (W x): the sin/cos ("Fourier")
  first layer of the MSDNN ``FourierBase`` model and SD2NN's soft Fourier mapping
  (arXiv 2112.06660, s = ½ recommended there).

Initialisation schemes (``init=``; every draw comes from ``generator`` — the global RNG when
``None`` — in float64 on the CPU, then converted, so a seed gives the same net on every
device and dtype):

* ``"xavier"``  weights N(0, 2/(n_in + n_out)), biases 0 (same as :class:`~simbias.nn.MLP`).
* ``"msdnn"``   weights *and biases* N(0, 2/(n_in + n_out)) (``MSDNN2ellipticPDEs`` code).
* ``"mscale"``  weights and biases N(0, 1) · 2/√(n_in + n_out) (``mscalednn`` code: 2 divided by
  the square root — not Xavier's √(2/(n_in + n_out)); each layer uses its own fans).
* ``"normal"``  weights and biases N(0, ``init_std``²).
* ``"glorot_uniform"`` weights U(±√(6/(n_in + n_out))), biases 0 (DeepXDE / Keras default).

Every draw comes from the one registry :mod:`simbias.nn._init` (``std`` = ``normal``,
``glorot_uniform`` = ``xavier_uniform``; ``he`` and ``lecun`` work here too).

Design note: the brief named the MSDNN scheme "xavier"; here "xavier" keeps the meaning it has
in :class:`~simbias.nn.MLP` (zero biases) and the MSDNN variant is called "msdnn", so that one
name never means two initialisations.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._activations import get_activation
from ._init import INIT_ALIASES, INIT_SCHEMES, init_parameters_, resolve_init

__all__ = ["DENSE_INITS", "init_dense_", "DenseStack", "ScaledLinear", "SinCosFirstLayer"]

#: the registry's draws (:mod:`simbias.nn._init`) and their aliases, the block schemes first
DENSE_INITS = ("xavier", "msdnn", "mscale", "normal", "glorot_uniform",
               *(n for n in (*INIT_SCHEMES, *INIT_ALIASES)
                 if n not in ("xavier", "msdnn", "mscale", "normal", "glorot_uniform", "power")))

Activation = str | Callable[[Tensor], Tensor]


def check_init(init: str, init_std: float | None) -> None:
    if resolve_init(init, accepted=DENSE_INITS) == "normal" and (init_std is None or not init_std > 0):
        raise InputError("model.init_std", f"got {init_std!r} with model.init={init!r}", "give a positive standard deviation")


def init_dense_(layer: nn.Linear, init: str, *, std: float | None = None, generator: torch.Generator | None = None) -> None:
    """Initialise one ``nn.Linear`` in place by a named scheme (module docstring)."""
    check_init(init, std)
    init_parameters_(layer, init, std=std, generator=generator)


def resolve_activation(activation: Activation) -> tuple[str, Callable[[Tensor], Tensor]]:
    """(name, function) for an activation name or a callable."""
    if isinstance(activation, str):
        return activation, get_activation(activation)
    if callable(activation):
        return getattr(activation, "__name__", repr(activation)), activation
    raise InputError("model.activation", f"got {activation!r}", "give an activation name such as 'tanh'")


def check_size(what: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise InputError(what, f"got {v!r}", "use a positive integer")
    return v


def check_widths(widths: Sequence[int], *, allow_empty: bool = True) -> tuple[int, ...]:
    try:
        widths = tuple(widths)
    except TypeError:
        raise InputError("model.widths", f"got {widths!r}", "use a list of positive integers, e.g. [30, 30, 30]") from None
    if (not widths and not allow_empty) or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
        raise InputError("model.widths", f"got {list(widths)!r}", "use a non-empty list of positive integers, e.g. [30, 30, 30]")
    return widths


def as_batch(x: Tensor, in_features: int) -> Tensor:
    if x.ndim == 1 and in_features == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != in_features:
        raise InputError("model input", f"expected shape (n, {in_features}), got {tuple(x.shape)}",
                         "pass one row per point")
    return x


class DenseStack(nn.Module):
    """``in_features → widths[0] → … → widths[-1] (→ out_features)`` with one activation after every hidden layer.

    Parameters
    ----------
    in_features : int
        Input dimension.
    widths : sequence of int
        Hidden widths (may be empty).
    out_features : int or None, default 1
        Size of a final linear layer (no activation), or ``None`` for none — then the block ends
        with the last hidden activation (a trunk).
    activation : str or callable, default "tanh"
        A name from :data:`simbias.nn.ACTIVATIONS` or a callable.
    init : str, default "xavier"
        Initialisation scheme (module docstring).
    init_std : float, optional
        Standard deviation of ``"normal"`` (required there).
    residual : bool, default False
        Add the identity, h ← σ(W h + b) + h, whenever a hidden layer keeps the width (the MSDNN
        code's skips).
    output_bias : bool, default True
        Whether the output layer has a bias.
    generator : torch.Generator, optional
        The random source of the initialisation (``None``: the global one).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> trunk = DenseStack(2, [16, 16], None, "tanh", generator=torch.Generator().manual_seed(0))
    >>> trunk(torch.zeros(5, 2)).shape, trunk.out_features
    (torch.Size([5, 16]), 16)
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int | None = 1,
                 activation: Activation = "tanh", *, init: str = "xavier", init_std: float | None = None,
                 residual: bool = False, output_bias: bool = True, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.in_features = check_size("model.in_features", in_features)
        self.widths = check_widths(widths)
        if out_features is not None:
            check_size("model.out_features", out_features)
        check_init(init, init_std)
        self.activation_name, self.act = resolve_activation(activation)
        self.residual = bool(residual)
        sizes = [in_features, *self.widths]
        self.hidden = nn.ModuleList(nn.Linear(a, b, dtype=dtype, device=device) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = None if out_features is None else nn.Linear(sizes[-1], out_features, bias=output_bias,
                                                                  dtype=dtype, device=device)
        self.out_features = sizes[-1] if out_features is None else out_features
        for layer in [*self.hidden, *([self.output] if self.output is not None else [])]:
            init_dense_(layer, init, std=init_std, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        """(n, out_features) for x (n, in_features); the last hidden activation when ``out_features=None``."""
        x = as_batch(x, self.in_features)
        for layer in self.hidden:
            y = self.act(layer(x))
            x = y + x if self.residual and y.shape == x.shape else y
        return x if self.output is None else self.output(x)

    def extra_repr(self) -> str:
        return f"activation={self.activation_name!r}, residual={self.residual}"


class ScaledLinear(nn.Module):
    """z = K ⊙ (W x) + b, or K ⊙ (W x + b) with ``scale_bias=True`` (SD2NN's form).

    ``scales`` is the per-neuron vector K (length ``out_features``; build it with
    :func:`~simbias.nn.expand_scales`); it is a buffer, or a parameter when ``trainable_scales``
    (the MSDNN ``adapt_scale`` variant).

    Parameters
    ----------
    in_features : int
        Input dimension.
    out_features : int
        Number of neurons.
    scales : sequence of float or torch.Tensor
        Per-neuron scales K, length ``out_features``.
    scale_bias : bool, default False
        Scale the bias too: K ⊙ (W x + b).
    bias : bool, default True
        Whether the layer has a bias.
    init : str, default "xavier"
        Initialisation scheme (module docstring).
    init_std : float, optional
        Standard deviation of ``"normal"``.
    trainable_scales : bool, default False
        Make K a parameter.
    generator : torch.Generator, optional
        The random source of the initialisation (``None``: the global one).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> layer = ScaledLinear(1, 4, [1.0, 1.0, 10.0, 10.0], bias=False)
    >>> z = layer(torch.ones(1, 1))
    >>> torch.allclose(z, layer.scales * layer.linear.weight.T)
    True
    """

    def __init__(self, in_features: int, out_features: int, scales: Sequence[float] | Tensor, *, scale_bias: bool = False,
                 bias: bool = True, init: str = "xavier", init_std: float | None = None, trainable_scales: bool = False,
                 generator: torch.Generator | None = None, dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.in_features = check_size("model.in_features", in_features)
        self.linear = nn.Linear(in_features, check_size("model.widths[0]", out_features), bias=bias, dtype=dtype, device=device)
        init_dense_(self.linear, init, std=init_std, generator=generator)
        k = torch.as_tensor(scales, dtype=self.linear.weight.dtype).to(self.linear.weight.device).reshape(-1).clone()
        if k.numel() != out_features:
            raise InputError("model.scales", f"{k.numel()} per-neuron scales for {out_features} neurons",
                             "expand the scale list with expand_scales(scales, width)")
        if trainable_scales:
            self.scales = nn.Parameter(k)
        else:
            self.register_buffer("scales", k)
        self.scale_bias = bool(scale_bias)
        self.out_features = out_features

    def forward(self, x: Tensor) -> Tensor:
        """z = K ⊙ (W x) + b (or K ⊙ (W x + b)), shape (n, out_features)."""
        x = as_batch(x, self.in_features)
        if self.scale_bias or self.linear.bias is None:
            return self.scales * self.linear(x)
        return self.scales * (x @ self.linear.weight.T) + self.linear.bias

    def extra_repr(self) -> str:
        return f"scale_bias={self.scale_bias}"


class SinCosFirstLayer(nn.Module):
    """s · [cos z, sin z] with z = K ⊙ (W x) (+ b when ``bias``): output width 2·``width``.

    The sin/cos first layer of the MSDNN ``FourierBase`` model and SD2NN's soft Fourier mapping
    (arXiv 2112.06660; ``amplitude`` s = ½ recommended there).  ``scales`` is a per-neuron vector
    of length ``width`` (all ones when ``None``).

    Parameters
    ----------
    in_features : int
        Input dimension.
    width : int
        Number of frequencies (neurons of z); the output has 2·width features.
    scales : sequence of float or torch.Tensor, optional
        Per-neuron scales K (default all ones).
    amplitude : float, default 1.0
        The factor s.
    bias : bool, default False
        Add a bias to z.
    init : str, default "xavier"
        Initialisation scheme of W (module docstring).
    init_std : float, optional
        Standard deviation of ``"normal"``.
    trainable_scales : bool, default False
        Make K a parameter.
    generator : torch.Generator, optional
        The random source of the initialisation (``None``: the global one).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> layer = SinCosFirstLayer(2, 8, amplitude=0.5)
    >>> out = layer(torch.randn(3, 2))
    >>> out.shape, bool(torch.allclose((out ** 2).sum(1), torch.full((3,), 8 * 0.25)))
    (torch.Size([3, 16]), True)
    """

    def __init__(self, in_features: int, width: int, *, scales: Sequence[float] | Tensor | None = None,
                 amplitude: float = 1.0, bias: bool = False, init: str = "xavier", init_std: float | None = None,
                 trainable_scales: bool = False, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        check_size("model.widths[0]", width)
        k = torch.ones(width) if scales is None else scales
        self.proj = ScaledLinear(in_features, width, k, bias=bias, init=init, init_std=init_std,
                                 trainable_scales=trainable_scales, generator=generator, dtype=dtype, device=device)
        try:
            self.amplitude = float(amplitude)
        except (TypeError, ValueError):
            raise InputError("model.amplitude", f"got {amplitude!r}", "give a number, e.g. 0.5") from None
        self.in_features, self.out_features = in_features, 2 * width

    def forward(self, x: Tensor) -> Tensor:
        """s·[cos z, sin z], shape (n, 2·width)."""
        z = self.proj(x)
        return self.amplitude * torch.cat([torch.cos(z), torch.sin(z)], dim=-1)

    def extra_repr(self) -> str:
        return f"amplitude={self.amplitude}"
