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
    """Add an optimiser factory ``factory(params, lr, **options)`` under ``name``.

    The name then works in :func:`make_optimizer`, :func:`~simbias.train.fit` and the spec key
    ``train.optimizer``; an existing name is replaced.

    Parameters
    ----------
    name : str
        The optimiser's name.
    factory : callable
        ``factory(params, lr, **options)`` returning a ``torch.optim.Optimizer`` (a list of
        parameters, a float learning rate and the spec's optimiser options).

    Returns
    -------
    None

    Examples
    --------
    >>> import torch
    >>> register_optimizer("rmsprop", lambda params, lr, **kw: torch.optim.RMSprop(params, lr=lr, **kw))
    >>> make_optimizer("rmsprop", torch.nn.Linear(2, 1).parameters(), lr=1e-3)  # doctest: +ELLIPSIS
    RMSprop (...)
    >>> del OPTIMIZERS["rmsprop"]  # the registry is global: undo the example
    """
    OPTIMIZERS[name] = factory


def make_optimizer(name: str, params: Iterable[torch.nn.Parameter], *, lr: float, **options) -> torch.optim.Optimizer:
    """Build the optimiser ``name`` on ``params`` (raises :class:`InputError` listing the names).

    Parameters
    ----------
    name : str
        A key of :data:`OPTIMIZERS` (``"adam"``, ``"sgd"`` or a registered one).
    params : iterable of Parameter
        The parameters to optimise.
    lr : float
        Learning rate, > 0.
    **options
        Passed to the optimiser (e.g. ``momentum`` for SGD, in [0, 1); ``betas`` for Adam).

    Returns
    -------
    torch.optim.Optimizer
        The optimiser; a bad name, rate or momentum raises :class:`InputError`.

    Examples
    --------
    >>> import torch
    >>> opt = make_optimizer("sgd", torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
    >>> opt.param_groups[0]["momentum"]
    0.9
    """
    if name not in OPTIMIZERS:
        raise InputError("train.optimizer", f"unknown optimizer {name!r}", f"choose one of {', '.join(OPTIMIZERS)}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise InputError("train.lr", f"got {lr!r}", "use a positive learning rate, e.g. train.lr=1e-3")
    m = options.get("momentum")
    if m is not None and not (isinstance(m, (int, float)) and 0 <= m < 1):  # torch would raise a bare ValueError
        raise InputError("train.momentum", f"got {m!r}", "use a momentum in [0, 1), e.g. 0.9")
    return OPTIMIZERS[name](list(params), float(lr), **options)
