"""An architecture registry: a network by name, sized for its data (``make_net``)."""

from __future__ import annotations

import inspect

import torch

from ..errors import InputError
from ._cnn import CNN
from ._mlp import MLP

__all__ = ["ARCHITECTURES", "make_net"]


# name -> class; a class is called as cls(in_features, out_features=..., **options), the CNN with its image shape
ARCHITECTURES: dict[str, type[torch.nn.Module]] = {"mlp": MLP, "cnn": CNN}


def make_net(kind: str, in_features: int, out_features: int, *, image_shape=None, key: str = "kind",
             **options) -> torch.nn.Module:
    """The network registered as ``kind`` in :data:`ARCHITECTURES`, for ``in_features`` inputs and
    ``out_features`` outputs; of ``options``, those the class takes are passed on, the rest ignored
    (one settings table serves every architecture).

    Parameters
    ----------
    kind : str
        ``"mlp"`` (:class:`MLP`) or ``"cnn"`` (:class:`CNN`, needs ``image_shape``).
    in_features, out_features : int
        Input and output sizes.
    image_shape : tuple of int, optional
        The shape of one sample, channels first (a CNN's ``in_shape``).
    key : str, default "kind"
        The input named in the error of a CNN without an image shape.
    **options
        Keyword arguments of the class (``widths``, ``channels``, ``activation``, ``init``,
        ``generator``, ``dtype``, …).

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> net = make_net("cnn", 64, 10, image_shape=(1, 8, 8), channels=(4,), hidden=(16,), widths=(99,),
    ...                generator=torch.Generator().manual_seed(0))
    >>> net(torch.zeros(2, 64)).shape
    torch.Size([2, 10])
    """
    if kind not in ARCHITECTURES:
        raise InputError(key, f"unknown architecture {kind!r}", f"choose one of {', '.join(ARCHITECTURES)}")
    cls = ARCHITECTURES[kind]
    kw = {k: v for k, v in options.items() if k in inspect.signature(cls).parameters}
    if cls is not CNN:
        return cls(in_features, out_features=out_features, **kw)
    if image_shape is None or len(image_shape) not in (2, 3):
        raise InputError(key, "'cnn' needs image-shaped data but the inputs are plain vectors",
                         f"use {key}='mlp', or a data set with an image shape")
    return CNN(image_shape, out_features, **kw)
