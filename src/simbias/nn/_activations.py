"""Activation functions and the one name → activation registry.

Compactly supported activations of the MscaleDNN papers (Liu, Cai & Xu 2020, arXiv 2007.11207;
Li, Xu & Zhang 2020, arXiv 2009.14597):

* ``srelu``   sReLU(x)  = ReLU(x) · ReLU(1 − x)                       support [0, 1]
* ``phi``     φ(x)      = ReLU(x)² − 3 ReLU(x−1)² + 3 ReLU(x−2)² − ReLU(x−3)²
              (the quadratic B-spline, C¹, support [0, 3])
* ``s2relu``  s2ReLU(x) = sin(2πx) · ReLU(x) · ReLU(1 − x)             zeros at 0, ½, 1

Activations of multiplicity p (initial condensation, arXiv 2105.11686): ``tanh`` (p = 1),
``xtanh`` = x·tanh x (p = 2), ``x2tanh`` = x²·tanh x (p = 3).

``ricker`` is the standard Mexican-hat wavelet with width a = 1,
ψ(x) = 2 / (√(3a) π^{1/4}) · (1 − (x/a)²) · exp(−x² / (2a²)); use :class:`Ricker` for another a.
(The original research code used two different constants in two files; this is the textbook one.)
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["ACTIVATIONS", "get_activation", "srelu", "phi", "s2relu", "xtanh", "x2tanh", "Ricker"]


def srelu(x: Tensor) -> Tensor:
    """sReLU(x) = ReLU(x)·ReLU(1 − x), supported on [0, 1], maximum 1/4 at x = 1/2.

    The compactly supported activation of MscaleDNN (Liu, Cai & Xu 2020, arXiv 2007.11207).

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        Elementwise sReLU(x).

    Examples
    --------
    >>> import torch
    >>> srelu(torch.tensor([-1.0, 0.5, 2.0]))
    tensor([0.0000, 0.2500, 0.0000])
    """
    return torch.relu(x) * torch.relu(1 - x)


def phi(x: Tensor) -> Tensor:
    """Quadratic B-spline φ(x) = ReLU(x)² − 3ReLU(x−1)² + 3ReLU(x−2)² − ReLU(x−3)², support [0, 3].

    C¹, maximum 3/2 at x = 3/2 (MscaleDNN, arXiv 2007.11207); exactly 0 for x ≥ 3.

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        Elementwise φ(x).

    Examples
    --------
    >>> import torch
    >>> phi(torch.tensor([-1.0, 1.0, 1.5, 4.0]))
    tensor([0.0000, 1.0000, 1.5000, 0.0000])
    """
    r = torch.relu
    value = r(x) ** 2 - 3 * r(x - 1) ** 2 + 3 * r(x - 2) ** 2 - r(x - 3) ** 2
    # the four squares cancel beyond x = 3 only up to round-off; make the support exact
    return torch.where(x < 3, value, torch.zeros_like(value))


def s2relu(x: Tensor) -> Tensor:
    """s2ReLU(x) = sin(2πx)·ReLU(x)·ReLU(1 − x), supported on [0, 1], zeros at 0, ½ and 1.

    The activation of the MscaleDNN Poisson experiments (Li, Xu & Zhang 2020, arXiv 2009.14597).

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        Elementwise s2ReLU(x).

    Examples
    --------
    >>> import torch
    >>> s2relu(torch.tensor([0.25, 2.0]))
    tensor([0.1875, 0.0000])
    """
    return torch.sin(2 * math.pi * x) * torch.relu(x) * torch.relu(1 - x)


def xtanh(x: Tensor) -> Tensor:
    """x·tanh(x): multiplicity 2 at the origin (initial condensation, arXiv 2105.11686).

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        Elementwise x·tanh(x).

    Examples
    --------
    >>> import torch
    >>> xtanh(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """
    return x * torch.tanh(x)


def x2tanh(x: Tensor) -> Tensor:
    """x²·tanh(x): multiplicity 3 at the origin (initial condensation, arXiv 2105.11686).

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        Elementwise x²·tanh(x).

    Examples
    --------
    >>> import torch
    >>> x2tanh(torch.tensor([0.0, 2.0]))
    tensor([0.0000, 3.8561])
    """
    return x * x * torch.tanh(x)


class Ricker:
    """Mexican-hat wavelet ψ_a(x) = 2/(√(3a) π^{1/4}) (1 − (x/a)²) exp(−x²/(2a²)).

    A callable activation; ``"ricker"`` in :data:`ACTIVATIONS` is ``Ricker(1.0)``.

    Parameters
    ----------
    a : float, default 1.0
        Width a > 0.

    Examples
    --------
    >>> import torch
    >>> Ricker(2.0)(torch.tensor([0.0, 2.0]))
    tensor([0.6133, 0.0000])
    """

    def __init__(self, a: float = 1.0):
        if not a > 0:
            raise InputError("Ricker width a", f"got {a}", "use a positive number")
        self.a = float(a)
        self._c = 2.0 / (math.sqrt(3 * self.a) * math.pi**0.25)

    def __call__(self, x: Tensor) -> Tensor:
        z = x / self.a
        return self._c * (1 - z * z) * torch.exp(-0.5 * z * z)

    def __repr__(self) -> str:
        return f"Ricker(a={self.a})"


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "sin": torch.sin,
    "cos": torch.cos,
    "srelu": srelu,
    "phi": phi,
    "s2relu": s2relu,
    "xtanh": xtanh,
    "x2tanh": x2tanh,
    "ricker": Ricker(1.0),
    "gelu": torch.nn.functional.gelu,
    "softplus": torch.nn.functional.softplus,
    "elu": torch.nn.functional.elu,
    "identity": lambda x: x,
}


def get_activation(name: str) -> Callable[[Tensor], Tensor]:
    """Return the activation registered under ``name`` (raises :class:`InputError` listing the names).

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS` (``"tanh"``, ``"relu"``, ``"srelu"``, ``"s2relu"``, ...).

    Returns
    -------
    callable
        The elementwise activation.

    Examples
    --------
    >>> import torch
    >>> get_activation("srelu") is srelu, get_activation("relu")(torch.tensor([-1.0, 2.0]))
    (True, tensor([0., 2.]))
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise InputError(
            "model.activation", f"unknown activation {name!r}", f"choose one of {', '.join(ACTIVATIONS)}"
        ) from None
