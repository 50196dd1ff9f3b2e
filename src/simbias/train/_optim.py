"""Optimiser construction by name.

``make_optimizer("adam", params, lr=1e-3)`` returns a ``torch.optim`` optimiser.  Gradient-free
optimisers (particle swarm, ...) follow the same ``step(closure)`` protocol so :func:`fit`
drives all of them alike.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from ..errors import InputError

__all__ = ["OPTIMIZERS", "make_optimizer", "register_optimizer"]


def _adam(params, lr, **kw):
    return torch.optim.Adam(params, lr=lr, betas=tuple(kw.pop("betas", (0.9, 0.999))), **kw)


def _sgd(params, lr, **kw):
    return torch.optim.SGD(params, lr=lr, **kw)


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {"adam": _adam, "sgd": _sgd}


def register_optimizer(name: str, factory: Callable[..., torch.optim.Optimizer]) -> None:
    """Add an optimiser factory ``factory(params, lr, **options)`` under ``name``."""
    OPTIMIZERS[name] = factory


def make_optimizer(name: str, params: Iterable[torch.nn.Parameter], *, lr: float, **options) -> torch.optim.Optimizer:
    """Build the optimiser ``name`` on ``params`` (raises :class:`InputError` listing the names)."""
    if name not in OPTIMIZERS:
        raise InputError("train.optimizer", f"unknown optimizer {name!r}", f"choose one of {', '.join(OPTIMIZERS)}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise InputError("train.lr", f"got {lr!r}", "use a positive learning rate, e.g. train.lr=1e-3")
    m = options.get("momentum")
    if m is not None and not (isinstance(m, (int, float)) and 0 <= m < 1):  # torch would raise a bare ValueError
        raise InputError("train.momentum", f"got {m!r}", "use a momentum in [0, 1), e.g. 0.9")
    return OPTIMIZERS[name](list(params), float(lr), **options)
