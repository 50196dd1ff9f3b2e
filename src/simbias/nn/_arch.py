"""The architecture registry: one name per network family, built from one dict of settings (:func:`make_net`).

A configuration that compares several families (the PDE experiments: a plain net against an
MscaleDNN or a Fourier-feature net) keeps one flat set of settings; :func:`make_net` passes each
family only the settings it takes.  A new architecture is one entry of :data:`ARCHITECTURES`.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from ..errors import InputError
from ._blocks import DenseStack
from ._fourier import FourierFeatureNet, MultiScaleFourierNet
from ._mscale import MscaleDNN1, MscaleDNN2, make_scales

__all__ = ["ARCHITECTURES", "make_net"]

# name -> (network class, the keyword arguments it takes besides widths, activation, init and init_std)
ARCHITECTURES: dict[str, tuple[type[torch.nn.Module], tuple[str, ...]]] = {
    "mlp": (DenseStack, ("residual",)),
    "mscale1": (MscaleDNN1, ("scales", "first_layer", "scale_bias", "residual", "amplitude")),
    "mscale2": (MscaleDNN2, ("scales", "residual")),
    "fourier": (FourierFeatureNet, ("kind", "n_features", "sigma", "two_pi")),
    "msffn": (MultiScaleFourierNet, ("sigmas", "two_pi")),
}
_COMMON = ("activation", "init", "init_std", "generator", "dtype", "device")


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
        those the chosen architecture does not take are ignored.

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
    cls, own = ARCHITECTURES[arch]
    kw = {k: v for k, v in settings.items() if k in own or k in _COMMON}
    if isinstance(kw.get("scales"), str):  # a rule name
        kw["scales"] = make_scales(kw["scales"], n_scales)
    return cls(in_features, widths, out_features, **kw)
