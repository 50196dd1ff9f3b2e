"""Two-layer network with explicit (α, β₁, β₂) scaling — the model of the phase diagram.

f(x) = (1/α) Σ_{k=1}^m a_k σ(w_k·x + b_k),  a_k ~ N(0, β₁²),  (w_k, b_k) ~ N(0, β₂²),  no output bias
(Luo, Xu, Ma & Zhang, JMLR 2021, arXiv 2007.07497).  Named scalings (NTK, mean-field, LeCun, He,
Xavier, power) are :func:`simbias.theory.two_layer_scales` (Table 1 of the paper).

``init_t`` is the authors' tutorial convention (condensation notebooks): *every* parameter drawn with
std σ = m^(−t) and α = 1, i.e. β₁ = β₂ = m^(−t), which sits at (γ, γ′) = (2t, 0).

``antisymmetric=True`` is anti-symmetric initialisation (ASI) by mirrored pairs, as in the authors'
LFP and phase-diagram code: neurons m/2 … m − 1 copy the (w, b) of neurons 0 … m/2 − 1 and carry the
negated output weights, so f ≡ 0 at initialisation (no √2/2 factor).  The forward pass sums the two
halves separately, which makes the initial output exactly 0 in floating point, not just ~1e-16.  The scale m in ``init_t`` is
the full width (both halves).

``init="uniform"`` is the authors' LFP initialisation (arXiv 1905.10264, T15): w ~ U(±w_range),
b ~ U(±b_range), a ~ U(±a_range) with ``init_ranges = (w_range, b_range, a_range)``, drawn in float64
(w, then b, then a) by the uniform law of the init registry (:mod:`simbias.nn._init`) and then
converted; β₁ and β₂ are then the standard deviations a_range/√3 and w_range/√3.
"""

from __future__ import annotations

import math
from typing import Callable, Union

import torch
from torch import Tensor, nn

from ..errors import InputError
from ..errors import positive_number as _scale
from ..theory import phase_coordinates, two_layer_scales
from ._activations import ACTIVATIONS, get_activation
from ._init import INIT_LAWS, uniform_draw
from ._plan import DenseLayer, DensePlan

__all__ = ["TwoLayer", "two_layer_scales"]

ActivationLike = Union[str, Callable[[Tensor], Tensor]]


def _posint(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(name, f"got {value!r}", "use a positive integer")
    if value < 1:
        raise InputError(name, f"got {value}", "use a positive integer")
    return value


def _init_ranges(init, init_ranges, init_t, beta1: float, beta2: float) -> tuple[float, float, float] | None:
    """The checked ``(w_range, b_range, a_range)`` of ``init="uniform"``; ``None`` for ``"normal"``."""
    if init not in INIT_LAWS:
        raise InputError("model.init", f"got {init!r}", f"use one of {', '.join(INIT_LAWS)}")
    if init == "normal":
        if init_ranges is not None:
            raise InputError("model.init_ranges", "given with init='normal'", "use init='uniform' or omit init_ranges")
        return None
    if init_t is not None or (beta1, beta2) != (1.0, 1.0):
        raise InputError("model.init", "'uniform' given together with init_t, beta1 or beta2",
                         "give the uniform half-widths in init_ranges only")
    try:
        ranges = tuple(init_ranges)
    except TypeError:
        ranges = ()
    if len(ranges) != 3:
        raise InputError("model.init_ranges", f"got {init_ranges!r}", "give (w_range, b_range, a_range)")
    return tuple(_scale("model.init_ranges", r) for r in ranges)


class TwoLayer(nn.Module):
    """f(x) = (1/α) Σ_k a_k σ(w_k·x + b_k), written for one member.

    Parameters ``w`` (m, d), ``b`` (m,) (absent when ``bias=False``), ``a`` (m,) — or (m, c) when
    ``out_features = c > 1``.  ``forward`` takes x of shape (n, d) (or (n,) when d = 1) and returns
    (n, 1) (or (n, c)).  Randomness comes only from ``generator`` (the global RNG when ``None``).
    ``alpha``, ``beta1``, ``beta2``, ``init_t``, ``activation_name``, ``antisymmetric`` are kept as
    plain attributes (never written by forward).  Named scalings: :meth:`preset`.

    Parameters
    ----------
    in_features : int
        Input dimension d.
    width : int
        Number of hidden neurons m.
    activation : str or callable, default "relu"
        A registry name (see :data:`simbias.nn.ACTIVATIONS`) or a callable.
    alpha : float, default 1.0
        Output normalisation α > 0.
    beta1 : float, default 1.0
        Standard deviation β₁ of the output weights a_k.
    beta2 : float, default 1.0
        Standard deviation β₂ of the input weights w_k and biases b_k.
    init_t : float, optional
        Every std m^(−t) and α = 1 (the authors' tutorials); not with non-default α, β₁, β₂.
    antisymmetric : bool, default False
        Anti-symmetric initialisation by mirrored pairs (f ≡ 0 at initialisation; even width).
    init : {"normal", "uniform"}, default "normal"
        The law of the draw: Gaussian with (β₁, β₂), or uniform with
        ``init_ranges`` (module docstring).
    init_ranges : tuple of float, optional
        ``(w_range, b_range, a_range)``, the half-widths of ``init="uniform"`` (required there only).
    bias : bool, default True
        Whether the hidden neurons have biases b_k.
    out_features : int, default 1
        Output dimension c.
    generator : torch.Generator, optional
        The random source.
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = TwoLayer(1, 1000, init_t=1.0, antisymmetric=True, generator=torch.Generator().manual_seed(0))
    >>> round(net.phase_coordinates[0], 9), float(net(torch.linspace(-1, 1, 7)).detach().abs().max())
    (2.0, 0.0)

    The LFP initialisation (uniform, mirrored pairs):

    >>> lfp = TwoLayer(1, 1000, init="uniform", init_ranges=(3.0, 3.0, 0.1), antisymmetric=True)
    >>> float(lfp.w.detach().abs().max()) <= 3.0, float(lfp.a.detach().abs().max()) <= 0.1
    (True, True)
    """

    def __init__(
        self,
        in_features: int,
        width: int,
        *,
        activation: ActivationLike = "relu",
        alpha: float = 1.0,
        beta1: float = 1.0,
        beta2: float = 1.0,
        init_t: float | None = None,
        antisymmetric: bool = False,
        init: str = "normal",
        init_ranges: tuple[float, float, float] | None = None,
        bias: bool = True,
        out_features: int = 1,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ):
        super().__init__()
        d = _posint("model.in_features", in_features)
        m = _posint("model.width", width)
        c = _posint("model.out_features", out_features)
        if isinstance(activation, str):
            self.activation = get_activation(activation)
            self.activation_name: str = activation
        elif callable(activation):
            self.activation = activation
            self.activation_name = getattr(activation, "__name__", repr(activation))
        else:
            raise InputError("model.activation", f"got {activation!r}", f"use one of {', '.join(ACTIVATIONS)} or a callable")
        alpha, beta1, beta2 = _scale("model.alpha", alpha), _scale("model.beta1", beta1), _scale("model.beta2", beta2)
        ranges = _init_ranges(init, init_ranges, init_t, beta1, beta2)
        if ranges is not None:
            beta1, beta2 = ranges[2] / math.sqrt(3.0), ranges[0] / math.sqrt(3.0)
        if init_t is not None:
            try:
                t = float(init_t)
            except (TypeError, ValueError):
                raise InputError("model.init_t", f"got {init_t!r}", "use a number (std = width^(-t))") from None
            if not math.isfinite(t):
                raise InputError("model.init_t", f"got {init_t!r}", "use a finite number")
            if (alpha, beta1, beta2) != (1.0, 1.0, 1.0):
                raise InputError(
                    "model.init_t",
                    f"given together with alpha={alpha}, beta1={beta1}, beta2={beta2}",
                    "give either init_t (std = width^(-t) for all parameters, alpha = 1) or alpha/beta1/beta2",
                )
            alpha, beta1, beta2 = 1.0, float(m ** (-t)), float(m ** (-t))
            init_t = t
        if antisymmetric and m % 2:
            raise InputError("model.width", f"got {m} with antisymmetric=True", "use an even width (mirrored pairs)")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise InputError("generator", f"got {type(generator).__name__}", "pass a torch.Generator or None")
        self.in_features, self.width, self.out_features = d, m, c
        self.alpha, self.beta1, self.beta2, self.init_t = alpha, beta1, beta2, init_t
        self.antisymmetric = bool(antisymmetric)
        self.init, self.init_ranges = init, ranges

        dtype = dtype or torch.get_default_dtype()
        gen_device = generator.device if generator is not None else torch.device("cpu")
        half = m // 2 if antisymmetric else m

        def draw(*shape: int) -> Tensor:
            return torch.randn(*shape, generator=generator, dtype=dtype, device=gen_device)

        if ranges is None:
            w = draw(half, d) * beta2
            b = draw(half) * beta2 if bias else None
            a = draw(half, c) * beta1
        else:  # float64 draws in the order w, b, a, then converted
            w = uniform_draw((half, d), ranges[0], generator=generator, device=gen_device)
            b = uniform_draw((half,), ranges[1], generator=generator, device=gen_device) if bias else None
            a = uniform_draw((half, c), ranges[2], generator=generator, device=gen_device)
        if antisymmetric:
            w = torch.cat([w, w])
            b = torch.cat([b, b]) if b is not None else None
            a = torch.cat([a, -a])
        if c == 1:
            a = a[:, 0]
        self.w = nn.Parameter(w.to(dtype=dtype, device=device))
        if b is not None:
            self.b = nn.Parameter(b.to(dtype=dtype, device=device))
        else:
            self.register_parameter("b", None)
        self.a = nn.Parameter(a.contiguous().to(dtype=dtype, device=device))

    @classmethod
    def preset(cls, name: str, in_features: int, width: int, *, t: float | None = None, **kwargs) -> "TwoLayer":
        """A net with the named scaling (``ntk``, ``mean_field``, ``lecun``, ``he``, ``xavier``, ``power``).

        ``power`` needs ``t`` and is the same as ``init_t=t``.  Other keyword arguments go to the
        constructor (activation, antisymmetric, generator, …).

        Parameters
        ----------
        name : str
            The scaling, see :func:`simbias.theory.two_layer_scales`.
        in_features : int
            Input dimension d.
        width : int
            Number of hidden neurons m.
        t : float, optional
            Exponent of ``power``.
        **kwargs
            Further constructor arguments.

        Returns
        -------
        TwoLayer

        Examples
        --------
        >>> TwoLayer.preset("mean_field", 1, 100).scales
        (100.0, 1.0, 1.0)
        """
        alpha, beta1, beta2 = two_layer_scales(name, width, in_features, t=t)
        return cls(in_features, width, alpha=alpha, beta1=beta1, beta2=beta2, **kwargs)

    @property
    def scales(self) -> tuple[float, float, float]:
        """(α, β₁, β₂) actually used."""
        return self.alpha, self.beta1, self.beta2

    @property
    def phase_coordinates(self) -> tuple[float, float]:
        """(γ, γ′) of this net's scaling at its width (needs width ≥ 2)."""
        return phase_coordinates(self.alpha, self.beta1, self.beta2, self.width)

    def forward(self, x: Tensor) -> Tensor:
        """f(x), shape (n, 1) (or (n, c)), for x of shape (n, d) (or (n,) when d = 1)."""
        if x.ndim == 1:
            if self.in_features != 1:
                raise InputError("x", f"has shape {tuple(x.shape)} but in_features = {self.in_features}", "give x as (n, d)")
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise InputError("x", f"has shape {tuple(x.shape)}", f"give (n, {self.in_features})")
        z = x @ self.w.T
        if self.b is not None:
            z = z + self.b
        h = self.activation(z)
        a = self.a[:, None] if self.a.ndim == 1 else self.a
        if self.antisymmetric:
            # sum the two halves separately so that mirrored pairs cancel exactly (f ≡ 0 at init)
            half = self.width // 2
            return (h[:, :half] @ a[:half] + h[:, half:] @ a[half:]) / self.alpha
        return (h @ a) / self.alpha

    def dense_plan(self) -> DensePlan:
        """This net described for the ensemble engine (:class:`~simbias.nn.DensePlan`): the hidden
        layer ``(w, b)``, the output weights ``a`` stored ``(m,)``/``(m, c)``, the output divided by
        ``alpha``; members may differ in ``alpha``, ``beta1``, ``beta2``, ``init_t``, ``init``,
        ``init_ranges`` and ``antisymmetric`` (properties of the drawn values).

        Returns
        -------
        DensePlan
            The hidden layer and the output weights, output divided by ``alpha``.

        Examples
        --------
        >>> TwoLayer(1, 8).dense_plan().output_divisor
        'alpha'
        """
        name = self.activation_name if self.activation is ACTIVATIONS.get(self.activation_name) else None
        layers = (DenseLayer("w", "b" if self.b is not None else None, transposed=True, vector=False, fused_bias=False),
                  DenseLayer("a", None, transposed=False, vector=self.a.ndim == 1, fused_bias=False))
        return DensePlan(layers, self.activation, name, output_divisor="alpha",
                         free_attributes=("alpha", "beta1", "beta2", "init_t", "init", "init_ranges", "antisymmetric"))

    def extra_repr(self) -> str:
        s = f"in_features={self.in_features}, width={self.width}, activation={self.activation_name!r}, "
        s += f"alpha={self.alpha:g}, beta1={self.beta1:g}, beta2={self.beta2:g}"
        if self.init_t is not None:
            s += f", init_t={self.init_t:g}"
        if self.init_ranges is not None:
            s += f", init='uniform', init_ranges={self.init_ranges}"
        if self.antisymmetric:
            s += ", antisymmetric=True"
        return s
