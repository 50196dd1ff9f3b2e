"""One registry of initialisation draws for every layer of every model (MLP, blocks, CNN).

Each draw has one canonical name; the names older spec files use are aliases of it.  All draws
come from the ``generator`` passed in (the global RNG when ``None``), in float64 on the CPU, then
converted, so a seed gives the same net on every device and dtype; the weight is drawn first, then
the bias (a bias of standard deviation 0 consumes no random numbers).  Fans of a weight of shape
``(out, in, *kernel)`` are fan_in = in·∏kernel, fan_out = out·∏kernel.

=================  ============================================  ==============  ==================
name               weights                                       biases          aliases
=================  ============================================  ==============  ==================
``normal``         N(0, std²)                                    N(0, std²)      ``std``
``xavier``         N(0, 2/(fan_in + fan_out))                    0
``xavier_uniform`` U(±√(6/(fan_in + fan_out)))                   0               ``glorot_uniform``
``he``             N(0, 2/fan_in)                                0
``lecun``          N(0, 1/fan_in)                                0
``msdnn``          N(0, 2/(fan_in + fan_out))                    same law
``mscale``         N(0, 1)·2/√(fan_in + fan_out)                 same law
``torch``          U(±1/√fan_in)                                 U(±1/√fan_in)
=================  ============================================  ==============  ==================

``torch`` is the law of PyTorch's own ``nn.Linear``/``ConvNd`` default (kaiming_uniform with a = √5),
drawn from the generator like the others (the spectral-bias experiment of Rahaman et al. relies on it).

``"power"`` (the F-Principle/condensation convention of :class:`~simbias.nn.MLP`) is ``normal``
with std = m^(−t) chosen by the model from its first hidden width; at the layer level it is an
alias of ``normal``.  Register a new draw with :func:`register_init`.

The two laws (:data:`INIT_LAWS`) also serve :class:`~simbias.nn.TwoLayer`, whose parameters are not
layers: ``init="normal"`` draws a ~ N(0, β₁²), (w, b) ~ N(0, β₂²) (the phase diagram), and
``init="uniform"`` draws w ~ U(±w_range), b ~ U(±b_range), a ~ U(±a_range) from
``init_ranges = (w_range, b_range, a_range)`` (the authors' LFP code, arXiv 1905.10264), by the
same uniform draw as ``xavier_uniform`` (:func:`uniform_draw`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["INIT_SCHEMES", "INIT_ALIASES", "INIT_LAWS", "InitScheme", "init_parameters_", "resolve_init", "register_init",
           "uniform_draw"]

#: the laws of the draws: ``"normal"`` (scale = standard deviation) and ``"uniform"`` (scale = bound)
INIT_LAWS: tuple[str, ...] = ("normal", "uniform")


@dataclass(frozen=True)
class InitScheme:
    """A named draw: ``weight(fan_in, fan_out, std)`` → (law, scale) and the bias rule.

    Parameters
    ----------
    law : {"normal", "uniform"}
        ``"normal"`` (scale = standard deviation) or ``"uniform"`` (scale = bound of U(±bound)).
    weight_scale : callable
        ``(fan_in, fan_out, std) -> float``.
    bias_scale : callable
        ``(fan_in, fan_out, std, weight_scale) -> float`` (scale of the bias in ``bias_law``).
    needs_std : bool, default False
        Whether the scheme reads ``std`` (``init_std`` of the models).
    bias_law : {"normal", "uniform"}, default "normal"
        The law of the bias draw (a normal bias of scale 0 is zero and draws nothing).

    Examples
    --------
    >>> s = InitScheme("normal", lambda fi, fo, std: math.sqrt(1.0 / fi), lambda fi, fo, std, w: 0.0)
    >>> s.weight_scale(4, 2, None)
    0.5
    """

    law: str
    weight_scale: Callable[[int, int, float | None], float]
    bias_scale: Callable[[int, int, float | None, float], float]
    needs_std: bool = False
    bias_law: str = "normal"


_ZERO = lambda fi, fo, std, w: 0.0  # noqa: E731
_SAME = lambda fi, fo, std, w: w  # noqa: E731

_SCHEMES: dict[str, InitScheme] = {
    "normal": InitScheme("normal", lambda fi, fo, std: std, _SAME, needs_std=True),
    "xavier": InitScheme("normal", lambda fi, fo, std: math.sqrt(2.0 / (fi + fo)), _ZERO),
    "xavier_uniform": InitScheme("uniform", lambda fi, fo, std: math.sqrt(6.0 / (fi + fo)), _ZERO),
    "he": InitScheme("normal", lambda fi, fo, std: math.sqrt(2.0 / fi), _ZERO),
    "lecun": InitScheme("normal", lambda fi, fo, std: math.sqrt(1.0 / fi), _ZERO),
    "msdnn": InitScheme("normal", lambda fi, fo, std: math.sqrt(2.0 / (fi + fo)), _SAME),
    "mscale": InitScheme("normal", lambda fi, fo, std: 2.0 / math.sqrt(fi + fo), _SAME),
    "torch": InitScheme("uniform", lambda fi, fo, std: 1.0 / math.sqrt(fi), _SAME, bias_law="uniform"),
}
#: old name → canonical name (spec files written with the old names keep loading)
INIT_ALIASES: dict[str, str] = {"std": "normal", "power": "normal", "glorot_uniform": "xavier_uniform"}
#: the canonical names
INIT_SCHEMES: tuple[str, ...] = tuple(_SCHEMES)


def register_init(name: str, scheme: InitScheme) -> None:
    """Add a draw under ``name`` (it then serves every model's ``init=``).

    An existing name is replaced.  The registry is process-wide.

    Parameters
    ----------
    name : str
        The new scheme name.
    scheme : InitScheme
        Its law, weight scale and bias rule.

    Returns
    -------
    None

    Examples
    --------
    >>> register_init("half_lecun", InitScheme("normal", lambda fi, fo, std: 0.5 / math.sqrt(fi),
    ...                                        lambda fi, fo, std, w: 0.0))  # doctest: +SKIP
    >>> MLP(1, [64], 1, init="half_lecun")  # doctest: +SKIP
    """
    global INIT_SCHEMES
    _SCHEMES[name] = scheme
    INIT_SCHEMES = tuple(_SCHEMES)


def resolve_init(name: str, *, key: str = "model.init", accepted: tuple[str, ...] | None = None) -> str:
    """The canonical name of ``name`` (an alias or a canonical name), or an :class:`InputError`.

    Parameters
    ----------
    name : str
        A scheme name or alias.
    key : str, default "model.init"
        The spec key named in the error.
    accepted : tuple of str, optional
        Names (canonical or aliases) this caller accepts; default: all.

    Returns
    -------
    str
        The canonical name.

    Examples
    --------
    >>> resolve_init("glorot_uniform")
    'xavier_uniform'
    """
    allowed = accepted if accepted is not None else (*_SCHEMES, *INIT_ALIASES)
    canonical = INIT_ALIASES.get(name, name) if isinstance(name, str) else None
    if name not in allowed or canonical not in _SCHEMES:
        raise InputError(key, f"unknown scheme {name!r}", f"choose one of {', '.join(allowed)}")
    return canonical


def _fans(weight: Tensor) -> tuple[int, int]:
    receptive = math.prod(weight.shape[2:]) if weight.ndim > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


def uniform_draw(shape: tuple[int, ...], bound: float, *, generator: torch.Generator | None = None,
                 device: torch.device | str | None = None) -> Tensor:
    """U(−bound, bound) samples of ``shape`` in float64: (2u − 1)·bound, u = ``torch.rand`` from ``generator``.

    The uniform law of the registry (``xavier_uniform`` and the ``uniform`` init of
    :class:`~simbias.nn.TwoLayer`); convert the result to the parameter's dtype afterwards.

    Parameters
    ----------
    shape : tuple of int
        Shape of the sample.
    bound : float
        Half-width of the interval.
    generator : torch.Generator, optional
        The random source (``None``: the global one).
    device : torch.device or str, optional
        Where to draw (the generator's device; default CPU).

    Returns
    -------
    torch.Tensor
        float64 samples, shape ``shape``.

    Examples
    --------
    >>> u = uniform_draw((1000,), 0.5, generator=torch.Generator().manual_seed(0))
    >>> u.dtype, bool(u.abs().max() <= 0.5)
    (torch.float64, True)
    """
    u = torch.rand(shape, generator=generator, dtype=torch.float64, device=device)
    return (2 * u - 1) * bound


def _normal(like: Tensor, std: float | None, generator: torch.Generator | None) -> Tensor:
    if not std:
        return torch.zeros_like(like)
    z = torch.randn(like.shape, generator=generator, dtype=torch.float64)
    return (std * z).to(dtype=like.dtype, device=like.device)


def init_parameters_(layer: torch.nn.Module, init: str, *, std: float | None = None,
                     generator: torch.Generator | None = None) -> None:
    """Initialise ``layer.weight`` (and ``layer.bias``) in place by a named draw (module docstring).

    Parameters
    ----------
    layer : torch.nn.Module
        An ``nn.Linear``, ``nn.Conv1d``/``Conv2d`` or any module with ``weight`` (and ``bias``).
    init : str
        A scheme name or alias.
    std : float, optional
        The standard deviation of ``normal`` (``init_std``); required there.
    generator : torch.Generator, optional
        The random source (``None``: the global one).

    Returns
    -------
    None
        The layer is modified in place.

    Examples
    --------
    >>> lin = torch.nn.Linear(3, 2)
    >>> init_parameters_(lin, "xavier", generator=torch.Generator().manual_seed(0))
    >>> bool((lin.bias == 0).all())
    True
    """
    scheme = _SCHEMES[resolve_init(init)]
    if scheme.needs_std and (std is None or not std > 0):
        raise InputError("model.init_std", f"got {std!r} with model.init={init!r}", "give a positive standard deviation")
    w = layer.weight
    fan_in, fan_out = _fans(w)
    w_scale = scheme.weight_scale(fan_in, fan_out, std)
    with torch.no_grad():
        if scheme.law == "uniform":
            w.copy_(uniform_draw(tuple(w.shape), w_scale, generator=generator).to(w))
        else:
            w.copy_(_normal(w, w_scale, generator))
        if getattr(layer, "bias", None) is not None:
            b_scale = scheme.bias_scale(fan_in, fan_out, std, w_scale)
            if scheme.bias_law == "uniform":
                layer.bias.copy_(uniform_draw(tuple(layer.bias.shape), b_scale, generator=generator).to(layer.bias))
            else:
                layer.bias.copy_(_normal(layer.bias, b_scale, generator))
