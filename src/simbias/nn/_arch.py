"""The architecture registry: one name per network family, built from one flat set of settings (:func:`make_net`).

A configuration that names its network by a string (a data-set experiment's MLP or CNN, the PDE
experiments' plain net against an MscaleDNN or a Fourier-feature net) keeps one flat set of
settings; :func:`make_net` passes each class only the keyword arguments its constructor takes.
A new architecture is one entry of :data:`ARCHITECTURES`.
"""

from __future__ import annotations

import inspect
from typing import Any, Sequence

import torch

from ..errors import InputError
from ._blocks import DenseStack
from ._cnn import CNN
from ._fourier import FourierFeatureNet, MultiScaleFourierNet
from ._mlp import MLP
from ._mscale import MscaleDNN1, MscaleDNN2, make_scales

__all__ = ["ARCHITECTURES", "make_net"]

#: name -> network class; every class is called as ``cls(in_features, out_features=..., **settings)``,
#: the CNN as ``CNN(image_shape, out_features, **settings)``
ARCHITECTURES: dict[str, type[torch.nn.Module]] = {
    "mlp": MLP,
    "cnn": CNN,
    "dense": DenseStack,
    "mscale1": MscaleDNN1,
    "mscale2": MscaleDNN2,
    "fourier": FourierFeatureNet,
    "msffn": MultiScaleFourierNet,
}


def make_net(name: str, in_features: int, out_features: int = 1, *, image_shape: Sequence[int] | None = None,
             n_scales: int = 6, key: str = "model.arch", **settings: Any) -> torch.nn.Module:
    """The network registered as ``name`` in :data:`ARCHITECTURES`, given only the ``settings`` its class takes.

    Parameters
    ----------
    name : str
        ``mlp`` (:class:`MLP`), ``cnn`` (:class:`CNN`, needs ``image_shape``), ``dense``
        (:class:`DenseStack`), ``mscale1`` / ``mscale2`` (:class:`MscaleDNN1` / :class:`MscaleDNN2`),
        ``fourier`` (:class:`FourierFeatureNet`) or ``msffn`` (:class:`MultiScaleFourierNet`).
    in_features, out_features : int
        Input and output sizes.
    image_shape : sequence of int, optional
        The shape of one sample, channels first (a CNN's ``in_shape``).
    n_scales : int, default 6
        Number of scales when ``scales`` is a rule name of :func:`make_scales` (``"geometric"`` …).
    key : str, default "model.arch"
        The input an error names (an unknown ``name``, a CNN without an image shape).
    **settings
        Keyword arguments of the constructors (``widths``, ``activation``, ``init``, ``init_std``,
        ``generator``, ``dtype``, ``device`` and each architecture's own, e.g. ``scales`` or
        ``channels``); those the chosen class does not take are ignored.

    Returns
    -------
    torch.nn.Module
        The network.

    Raises
    ------
    InputError
        An unknown ``name``, or ``cnn`` without an image shape.

    Examples
    --------
    >>> net = make_net("mscale2", 1, widths=[8], scales="geometric", n_scales=3, channels=(4,),
    ...                generator=torch.Generator().manual_seed(0))
    >>> type(net).__name__, net(torch.zeros(4, 1)).shape
    ('MscaleDNN2', torch.Size([4, 1]))
    >>> make_net("cnn", 64, 10, image_shape=(1, 8, 8), channels=(4,), hidden=(16,),
    ...          generator=torch.Generator().manual_seed(0))(torch.zeros(2, 64)).shape
    torch.Size([2, 10])
    """
    if name not in ARCHITECTURES:
        raise InputError(key, f"unknown architecture {name!r}", f"choose one of {', '.join(ARCHITECTURES)}")
    cls = ARCHITECTURES[name]
    kw = {k: v for k, v in settings.items() if k in inspect.signature(cls).parameters}
    if isinstance(kw.get("scales"), str):  # a rule name
        kw["scales"] = make_scales(kw["scales"], n_scales)
    if cls is not CNN:
        return cls(in_features, out_features=out_features, **kw)
    if image_shape is None or len(image_shape) not in (2, 3):
        raise InputError(key, "'cnn' needs image-shaped data but the inputs are plain vectors",
                         f"use {key}='mlp', or a data set with an image shape")
    return CNN(image_shape, out_features, **kw)
