"""How a model describes itself to the ensemble engine: :class:`DensePlan`.

A model that is a stack of dense layers with one activation returns a :class:`DensePlan` from
``dense_plan()``; :func:`simbias.train.fit_ensemble` then trains many such members with its
hand-batched kernels (equal to :func:`~simbias.train.fit` bit for bit).  Any other model (no
``dense_plan`` method, or one returning ``None``) is trained through ``torch.func``.  The engine
reads only this description — it never checks a model's class, so a subclass that changes
``forward`` must override ``dense_plan`` too (returning ``None`` is always safe).

The layers are computed in order: ``z = h @ Wᵀ + b`` (or ``h @ W`` when the weight is stored
``(in, out)``), then the activation on every layer but the last, then the output is divided by the
member's ``output_divisor`` attribute when one is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import Tensor

__all__ = ["DenseLayer", "DensePlan"]


@dataclass(frozen=True)
class DenseLayer:
    """One dense layer of a :class:`DensePlan`.

    Parameters
    ----------
    weight : str
        Name of the weight parameter (as in ``named_parameters``).
    bias : str or None
        Name of the bias parameter, or ``None``.
    transposed : bool
        Weight stored ``(out, in)`` like ``nn.Linear`` (``True``) or ``(in, out)`` (``False``).
    vector : bool
        Weight stored as a vector ``(in,)`` for a single output.
    fused_bias : bool
        The bias is added inside the product (``nn.Linear``'s ``addmm``) rather than after it.

    Examples
    --------
    >>> DenseLayer("layers.0.weight", "layers.0.bias", transposed=True, vector=False, fused_bias=True)
    DenseLayer(weight='layers.0.weight', bias='layers.0.bias', transposed=True, vector=False, fused_bias=True)
    """

    weight: str
    bias: str | None
    transposed: bool
    vector: bool
    fused_bias: bool


@dataclass(frozen=True)
class DensePlan:
    """A model's dense layers, its activation and its output scale, for the ensemble engine.

    Parameters
    ----------
    layers : tuple of DenseLayer
        The layers, input to output.
    activation : callable
        The activation function (applied after every layer but the last).
    activation_name : str or None
        Its name in :data:`simbias.nn.ACTIVATIONS` when it is that registered function (the engine
        then may use hand-written derivatives), else ``None``.
    output_divisor : str, optional
        Name of a float attribute the output is divided by (``TwoLayer.alpha``).
    free_attributes : tuple of str, default ()
        Plain attributes that may differ between members of one ensemble.

    Examples
    --------
    >>> from simbias.nn import MLP
    >>> plan = MLP(1, [8], 1).dense_plan()
    >>> [l.weight for l in plan.layers], plan.activation_name
    (['layers.0.weight', 'layers.1.weight'], 'tanh')
    """

    layers: tuple[DenseLayer, ...]
    activation: Callable[[Tensor], Tensor]
    activation_name: str | None
    output_divisor: str | None = None
    free_attributes: tuple[str, ...] = ()
