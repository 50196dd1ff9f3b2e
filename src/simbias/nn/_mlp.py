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

The draws are those of the one registry :mod:`simbias.nn._init` (every name there works here too:
``normal`` = ``std``, ``xavier_uniform`` = ``glorot_uniform``, ``msdnn``, ``mscale``).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._activations import ACTIVATIONS, get_activation
from ._plan import DenseLayer, DensePlan
from ._init import INIT_ALIASES, INIT_SCHEMES, init_parameters_, resolve_init

__all__ = ["MLP", "INITS", "init_linear_"]

#: the schemes an MLP accepts: "power" (std = m^(−t)), the registry's draws and their aliases
INITS = ("power", "std", "xavier", "he", "lecun",
         *(n for n in (*INIT_SCHEMES, *INIT_ALIASES) if n not in ("power", "std", "xavier", "he", "lecun")))


def init_linear_(layer: nn.Linear, *, init: str, std: float | None = None, generator: torch.Generator | None = None) -> None:
    """Initialise one ``nn.Linear`` in place by a named scheme (see the module docstring).

    ``std`` is the standard deviation of the ``"power"``/``"std"`` schemes (weights and biases alike).
    """
    resolve_init(init, accepted=INITS)
    init_parameters_(layer, init, std=std, generator=generator)


class MLP(nn.Module):
    """``in_features → widths[0] → … → widths[-1] → out_features`` with one activation.

    ``forward`` takes x (n, in_features) (or (n,) when in_features = 1) and returns
    (n, out_features); :meth:`hidden` returns every hidden layer's output.

    Parameters
    ----------
    in_features : int
        Input dimension.
    widths : sequence of int
        Hidden widths, e.g. ``[200, 200, 200, 100]`` (may be empty: a linear model).
    out_features : int, default 1
        Output dimension.
    activation : str, default "tanh"
        A name from :data:`simbias.nn.ACTIVATIONS`.
    init : str, default "power"
        Initialisation scheme (module docstring).
    init_t : float, default 0.5
        Exponent t of ``"power"``: std = widths[0]^(−t).
    init_std : float, optional
        Standard deviation of ``"std"``/``"normal"`` (required there).
    output_bias : bool, default True
        Whether the last layer has a bias (the condensation code drops it).
    generator : torch.Generator, optional
        The random source of the initialisation (``None``: the global one).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = MLP(1, [200, 100], 1, init="power", init_t=0.5, generator=torch.Generator().manual_seed(0))
    >>> net(torch.linspace(-1, 1, 5)).shape, [h.shape[1] for h in net.hidden(torch.zeros(3, 1))]
    (torch.Size([5, 1]), [200, 100])
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
        if init != "power" and resolve_init(init, accepted=INITS) == "normal" and (init_std is None or not init_std > 0):
            raise InputError("model.init_std", f"got {init_std!r} with model.init={init!r}", "give a positive standard deviation")
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
        """(n, out_features) outputs for x of shape (n, in_features) (or (n,) when in_features = 1)."""
        if x.ndim == 1:
            x = x[:, None]
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)

    def hidden(self, x: Tensor) -> list[Tensor]:
        """Outputs of every hidden layer (after the activation), for the deep F-Principle.

        Parameters
        ----------
        x : torch.Tensor
            Inputs (n, in_features) or (n,).

        Returns
        -------
        list of torch.Tensor
            One (n, widths[j]) tensor per hidden layer.
        """
        if x.ndim == 1:
            x = x[:, None]
        out = []
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
            out.append(x)
        return out

    def dense_plan(self) -> DensePlan:
        """This net described for the ensemble engine (:class:`~simbias.nn.DensePlan`).

        Returns
        -------
        DensePlan
            One ``nn.Linear`` per layer, the activation (named when it is the registered one).

        Examples
        --------
        >>> len(MLP(1, [8, 8], 1).dense_plan().layers)
        3
        """
        layers = tuple(DenseLayer(f"layers.{j}.weight", f"layers.{j}.bias" if lin.bias is not None else None,
                                  transposed=True, vector=False, fused_bias=True) for j, lin in enumerate(self.layers))
        name = self.activation_name if self.act is ACTIVATIONS.get(self.activation_name) else None
        return DensePlan(layers, self.act, name)

    def extra_repr(self) -> str:
        return f"widths={list(self.widths)}, activation={self.activation_name!r}"
