"""A small convolutional network with explicit initialisation (the F-Principle tutorials' CNN).

Architecture (author-code.md E8/E9; papers.md §2.4): conv(C → c₁, k) → act → conv(c₁ → c₂, k) →
act → max-pool p → flatten → fc(hidden) → act → fc(out).  The tutorial uses c = (32, 64), k = 3,
no padding, p = 2, hidden = 400, ReLU (filtering) or tanh (projection), Xavier-uniform weights.
Sizes on the data sets simbias ships: 8×8 digits → 6 → 4 → pool 2 → 64·2·2 = 256 features;
28×28 MNIST → 26 → 24 → 12 → 9 216; 32×32×3 CIFAR-10 → 12 544 (as in the tutorial).
1-D signals (``in_shape = (C, L)``, e.g. MNIST-1D's (1, 40)) use ``Conv1d``/``MaxPool1d``.

Inputs may be flattened rows ``(n, C·H·W)`` — the layout of :class:`simbias.problems.Dataset`
and of every probe — or shaped ``(n, C, H, W)``; they are reshaped with ``in_shape``.

Initialisation (``init=``; every draw from ``generator`` in float64 on the CPU, then converted,
so a seed gives the same net on every device and dtype; fans of a conv layer are
fan_in = C_in·k^dim, fan_out = C_out·k^dim):

* ``"xavier"``          weights N(0, 2/(fan_in + fan_out)), biases 0 (as :class:`~simbias.nn.MLP`)
* ``"xavier_uniform"``  weights U(±√(6/(fan_in + fan_out))), biases 0 (the tutorial's weights;
  its biases kept PyTorch's default, which we do not use — explicit init is the house rule)
* ``"he"``              weights N(0, 2/fan_in), biases 0
* ``"lecun"``           weights N(0, 1/fan_in), biases 0
* ``"std"``             weights and biases N(0, ``init_std``²)

These are draws of the one registry :mod:`simbias.nn._init` (``std`` = ``normal``; every other
registered draw works too).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._activations import get_activation
from ._init import INIT_ALIASES, INIT_SCHEMES, init_parameters_, resolve_init

__all__ = ["CNN", "CNN_INITS", "init_layer_"]

#: the registry's draws (:mod:`simbias.nn._init`) and their aliases, the tutorial's schemes first
CNN_INITS = ("xavier", "xavier_uniform", "he", "lecun", "std",
             *(n for n in (*INIT_SCHEMES, *INIT_ALIASES) if n not in ("xavier", "xavier_uniform", "he", "lecun", "std", "power")))


def init_layer_(layer: nn.Module, *, init: str, std: float | None = None,
                generator: torch.Generator | None = None) -> None:
    """Initialise one ``nn.Linear`` / ``nn.Conv1d`` / ``nn.Conv2d`` in place (module docstring)."""
    resolve_init(init, accepted=CNN_INITS)
    init_parameters_(layer, init, std=std, generator=generator)


def _positive_int(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise InputError(name, f"got {v!r}", "use a positive integer")
    return v


class CNN(nn.Module):
    """conv(C → c₁) → act → conv(c₁ → c₂) → act → max-pool → fc(hidden) → act → fc(out).

    ``hidden_outputs(x)`` (alias ``hidden``) returns the output of every hidden stage, flattened
    to (n, features): each convolution (after the activation; the last one after the pool) and
    each fully connected hidden layer — the pre-condition components of the deep F-Principle.

    Parameters
    ----------
    in_shape : sequence of int
        Shape of one sample, channels first: ``(C, H, W)`` for images, ``(C, L)`` for 1-D signals
        (:attr:`simbias.problems.Dataset.image_shape`).
    out_features : int, default 10
        Number of outputs (classes, or regression targets).
    channels : sequence of int, default (32, 64)
        Output channels of the convolutions; any number of them.
    kernel_size : int, default 3
        Side of every (square) kernel.
    padding : int, default 0
        Zero padding of every convolution (0 = "valid", as the tutorial).
    pool : int, default 2
        Side of the max-pool after the last convolution (1 = none).
    hidden : sequence of int, default (400,)
        Widths of the fully connected hidden layers after the pool.
    activation : str, default "relu"
        A name from :data:`simbias.nn.ACTIVATIONS`.
    init : str, default "xavier"
        Initialisation scheme (module docstring).
    init_std : float, optional
        Standard deviation of ``"std"`` (required there).
    generator : torch.Generator, optional
        The random source of the initialisation.
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = CNN((1, 8, 8), 10, generator=torch.Generator().manual_seed(0))
    >>> net(torch.rand(4, 64)).shape, [h.shape[1] for h in net.hidden_outputs(torch.rand(4, 64))]
    (torch.Size([4, 10]), [1152, 256, 400])
    """

    def __init__(self, in_shape: Sequence[int], out_features: int = 10, *, channels: Sequence[int] = (32, 64),
                 kernel_size: int = 3, padding: int = 0, pool: int = 2, hidden: Sequence[int] = (400,),
                 activation: str = "relu", init: str = "xavier", init_std: float | None = None,
                 generator: torch.Generator | None = None, dtype: torch.dtype | None = None, device=None):
        super().__init__()
        try:
            shape = tuple(int(s) for s in in_shape)
        except (TypeError, ValueError):
            raise InputError("model.in_shape", f"got {in_shape!r}", "pass (C, H, W) or (C, L)") from None
        if len(shape) not in (2, 3) or min(shape) < 1:
            raise InputError("model.in_shape", f"got {tuple(in_shape)}", "pass (C, H, W) for images or (C, L) for signals")
        _positive_int("model.out_features", out_features)
        channels = [_positive_int("model.channels", c) for c in channels]
        hidden = [_positive_int("model.hidden", h) for h in hidden]
        if not channels:
            raise InputError("model.channels", "got an empty list", "give at least one convolution, e.g. [32, 64]")
        k = _positive_int("model.kernel_size", kernel_size)
        p = _positive_int("model.pool", pool)
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise InputError("model.padding", f"got {padding!r}", "use a non-negative integer")
        if resolve_init(init, accepted=CNN_INITS) == "normal" and (init_std is None or not init_std > 0):
            raise InputError("model.init_std", f"got {init_std!r} with model.init={init!r}", "give a positive standard deviation")
        dim = len(shape) - 1
        conv_cls = nn.Conv2d if dim == 2 else nn.Conv1d
        self.in_shape = shape
        self.activation_name = activation
        self.act = get_activation(activation)
        spatial = list(shape[1:])
        convs, c_in = [], shape[0]
        for c in channels:
            spatial = [s + 2 * padding - k + 1 for s in spatial]
            if min(spatial) < 1:
                raise InputError("model.kernel_size", f"{k} (with padding {padding}) shrinks inputs of shape {shape} "
                                 "to nothing", "use a smaller kernel, fewer convolutions or padding")
            convs.append(conv_cls(c_in, c, k, padding=padding, dtype=dtype, device=device))
            c_in = c
        self.convs = nn.ModuleList(convs)
        self.pool = p
        spatial = [s // p for s in spatial]
        if min(spatial) < 1:
            raise InputError("model.pool", f"{p} is larger than the feature maps {tuple(s * p for s in spatial)}",
                             "use a smaller pool (1 = none)")
        n_flat = c_in * math.prod(spatial)
        sizes = [n_flat, *hidden, _positive_int("model.out_features", out_features)]
        self.fcs = nn.ModuleList(nn.Linear(a, b, dtype=dtype, device=device) for a, b in zip(sizes[:-1], sizes[1:]))
        self.channels, self.hidden_widths, self.kernel_size, self.padding = tuple(channels), tuple(hidden), k, padding
        self.n_flat = n_flat
        for layer in [*self.convs, *self.fcs]:
            init_layer_(layer, init=init, std=init_std, generator=generator)

    def _shape_input(self, x: Tensor) -> Tensor:
        n_in = math.prod(self.in_shape)
        if x.ndim == 2 and x.shape[1] == n_in:
            return x.reshape(x.shape[0], *self.in_shape)
        if tuple(x.shape[1:]) == self.in_shape:
            return x
        if x.ndim == 1 and x.shape[0] == n_in:  # one sample (e.g. under vmap)
            return x.reshape(1, *self.in_shape)
        raise InputError("x", f"got shape {tuple(x.shape)} for a CNN on samples of shape {self.in_shape}",
                         f"pass (n, {n_in}) flattened rows or (n, {', '.join(map(str, self.in_shape))})")

    def _pool(self, x: Tensor) -> Tensor:
        if self.pool == 1:
            return x
        f = nn.functional.max_pool2d if len(self.in_shape) == 3 else nn.functional.max_pool1d
        return f(x, self.pool)

    def _stages(self, x: Tensor, keep: bool):
        squeeze = x.ndim == 1
        h = self._shape_input(x)
        out = []
        for i, conv in enumerate(self.convs):
            h = self.act(conv(h))
            if i == len(self.convs) - 1:
                h = self._pool(h)
            if keep:
                out.append(h.flatten(1))
        h = h.flatten(1)
        for fc in self.fcs[:-1]:
            h = self.act(fc(h))
            if keep:
                out.append(h)
        y = self.fcs[-1](h)
        return (y[0] if squeeze else y), out

    def forward(self, x: Tensor) -> Tensor:
        """(n, out_features) for x flattened (n, C·H·W) or shaped (n, *in_shape)."""
        return self._stages(x, keep=False)[0]

    def hidden_outputs(self, x: Tensor) -> list[Tensor]:
        """Every hidden stage's output, flattened to (n, features) (see the class docstring)."""
        return self._stages(x, keep=True)[1]

    hidden = hidden_outputs

    def extra_repr(self) -> str:
        return (f"in_shape={self.in_shape}, channels={list(self.channels)}, kernel_size={self.kernel_size}, "
                f"pool={self.pool}, hidden={list(self.hidden_widths)}, activation={self.activation_name!r}")
