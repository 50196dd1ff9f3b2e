"""The architecture registry: one name per network family, built from one dict of settings (:func:`make_net`).

A configuration that compares several families (the PDE experiments: a plain net against an
MscaleDNN or a Fourier-feature net) keeps one flat set of settings; :func:`make_net` passes each
family only the settings that its constructor takes.  A new architecture is one entry of
:data:`ARCHITECTURES` (a class with the signature ``(in_features, widths, out_features, **settings)``).
"""

from __future__ import annotations

import inspect
from typing import Any, Sequence

import torch

from ..errors import InputError
from ._blocks import DenseStack
from ._fourier import FourierFeatureNet, MultiScaleFourierNet
from ._mscale import MscaleDNN1, MscaleDNN2, make_scales

__all__ = ["ARCHITECTURES", "make_net"]

# name -> network class; make_net passes each class the settings that its constructor takes
ARCHITECTURES: dict[str, type[torch.nn.Module]] = {"mlp": DenseStack, "mscale1": MscaleDNN1, "mscale2": MscaleDNN2,
                                                   "fourier": FourierFeatureNet, "msffn": MultiScaleFourierNet}


def make_net(arch: str, in_features: int, widths: Sequence[int], out_features: int = 1, *,
             n_scales: int = 6, **settings: Any) -> torch.nn.Module:
    """The network ``arch`` of :data:`ARCHITECTURES`, given only the ``settings`` that it takes.

    Parameters
    ----------
    arch : str
        ``mlp`` (:class:`DenseStack`), ``mscale1`` / ``mscale2`` (:class:`MscaleDNN1` /
        :class:`MscaleDNN2`), ``fourier`` (:class:`FourierFeatureNet`) or ``msffn``
        (:class:`MultiScaleFourierNet`).
    in_features, widths, out_features : int, sequence of int, int
        Input size, hidden widths and output size, as for the constructors.
    n_scales : int, default 6
        Number of scales when ``scales`` is a rule name of :func:`make_scales` (``"geometric"``…).
    **settings
        Keyword arguments of the constructors (``activation``, ``init``, ``init_std``,
        ``generator``, ``dtype``, ``device`` and the architecture's own, e.g. ``scales``);
        those that the chosen class's constructor does not take are ignored.

    Returns
    -------
    torch.nn.Module
        The network; an unknown ``arch`` raises :class:`~simbias.errors.InputError` naming ``model.arch``.

    Examples
    --------
    >>> import torch
    >>> net = make_net("mscale2", 1, [8], scales="geometric", n_scales=3, sigma=5.0,
    ...                generator=torch.Generator().manual_seed(0))
    >>> type(net).__name__, net(torch.zeros(4, 1)).shape
    ('MscaleDNN2', torch.Size([4, 1]))
    """
    if arch not in ARCHITECTURES:
        raise InputError("model.arch", f"unknown architecture {arch!r}", f"choose one of {', '.join(ARCHITECTURES)}")
    cls = ARCHITECTURES[arch]
    kw = {k: v for k, v in settings.items() if k in inspect.signature(cls).parameters}
    if isinstance(kw.get("scales"), str):  # a rule name
        kw["scales"] = make_scales(kw["scales"], n_scales)
    return cls(in_features, widths, out_features, **kw)
