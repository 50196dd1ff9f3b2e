"""Fully connected networks with explicit initialisation.

Initialisation schemes (``init=``), all drawn from the ``generator`` passed in:

* ``"power"`` — the original F-Principle/condensation code's convention: **every** weight and
  bias ~ N(0, σ²) with σ = m^(−t), m the first hidden width, t = ``init_t`` (default 0.5, so
  σ = 1/√200 for the 200-wide nets of the papers).  Note σ is a standard deviation (the original
  code passes it as such although its prose says "variance").  For a two-layer net this is the
  phase-diagram point γ = 2t, γ′ = 0.
* ``"std"``   — every weight and bias ~ N(0, ``init_std``²) (the 2019 TF script used 0.05).
* ``"xavier"`` — weights N(0, 2/(fan_in + fan_out)), biases 0.
* ``"he"``    — weights N(0, 2/fan_in), biases 0.
* ``"lecun"`` — weights N(0, 1/fan_in), biases 0.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._activations import get_activation

__all__ = ["MLP", "INITS", "init_linear_"]

INITS = ("power", "std", "xavier", "he", "lecun")


def init_linear_(layer: nn.Linear, *, init: str, std: float | None = None, generator: torch.Generator | None = None) -> None:
    """Initialise one ``nn.Linear`` in place by a named scheme (see the module docstring).

    ``std`` is the standard deviation of the ``"power"``/``"std"`` schemes (weights and biases alike).
    """
    fan_out, fan_in = layer.weight.shape
    with torch.no_grad():
        if init in ("power", "std"):
            w_std, b_std = std, std
        elif init == "xavier":
            w_std, b_std = math.sqrt(2.0 / (fan_in + fan_out)), 0.0
        elif init == "he":
            w_std, b_std = math.sqrt(2.0 / fan_in), 0.0
        elif init == "lecun":
            w_std, b_std = math.sqrt(1.0 / fan_in), 0.0
        else:
            raise InputError("model.init", f"unknown scheme {init!r}", f"choose one of {', '.join(INITS)}")
        layer.weight.copy_(_normal(layer.weight, w_std, generator))
        if layer.bias is not None:
            layer.bias.copy_(_normal(layer.bias, b_std, generator))


def _normal(like: Tensor, std: float, generator: torch.Generator | None) -> Tensor:
    if std == 0:
        return torch.zeros_like(like)
    # Draw on the CPU in float64 so that a seed gives the same network on every device and dtype.
    z = torch.randn(like.shape, generator=generator, dtype=torch.float64)
    return (std * z).to(dtype=like.dtype, device=like.device)


class MLP(nn.Module):
    """``in_features → widths[0] → … → widths[-1] → out_features`` with one activation.

    Args:
        in_features: input dimension.
        widths: hidden widths, e.g. ``[200, 200, 200, 100]`` (may be empty: a linear model).
        out_features: output dimension.
        activation: a name from :data:`simbias.nn.ACTIVATIONS`.
        init: initialisation scheme (module docstring); ``init_t`` is the exponent of ``"power"``,
            ``init_std`` the standard deviation of ``"std"``.
        output_bias: whether the last layer has a bias (the condensation code drops it).
        generator: the random source of the initialisation (``None``: the global one).
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int = 1, *, activation: str = "tanh",
                 init: str = "power", init_t: float = 0.5, init_std: float | None = None, output_bias: bool = True,
                 generator: torch.Generator | None = None, dtype: torch.dtype | None = None, device=None):
        super().__init__()
        widths = list(widths)
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(f"model.{name}", f"got {v!r}", "use a positive integer")
        if any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
            raise InputError("model.widths", f"got {widths!r}", "use a list of positive integers, e.g. [200, 200, 100]")
        if init not in INITS:
            raise InputError("model.init", f"unknown scheme {init!r}", f"choose one of {', '.join(INITS)}")
        if init == "std" and (init_std is None or not init_std > 0):
            raise InputError("model.init_std", f"got {init_std!r} with model.init='std'", "give a positive standard deviation")
        if init == "power" and not widths:
            raise InputError("model.init", "'power' needs at least one hidden layer", "give model.widths or another init")
        self.activation_name = activation
        self.act = get_activation(activation)
        self.widths = tuple(widths)
        sizes = [in_features, *widths, out_features]
        self.layers = nn.ModuleList(
            nn.Linear(a, b, bias=(i < len(sizes) - 2) or output_bias, dtype=dtype, device=device)
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))
        )
        std = widths[0] ** (-init_t) if init == "power" else init_std
        for layer in self.layers:
            init_linear_(layer, init=init, std=std, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 1:
            x = x[:, None]
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)

    def hidden(self, x: Tensor) -> list[Tensor]:
        """Outputs of every hidden layer (after the activation), for the deep F-Principle."""
        if x.ndim == 1:
            x = x[:, None]
        out = []
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
            out.append(x)
        return out

    def extra_repr(self) -> str:
        return f"widths={list(self.widths)}, activation={self.activation_name!r}"
