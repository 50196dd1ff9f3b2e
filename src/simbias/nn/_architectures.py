"""An architecture registry: a network by name, sized for its data (``make_net``)."""

from __future__ import annotations

import inspect
from typing import Callable

import torch

from ..errors import InputError
from ._cnn import CNN
from ._mlp import MLP

__all__ = ["ARCHITECTURES", "make_net"]


def _cnn(in_features: int, out_features: int, image_shape=None, *, key: str = "kind", **options) -> CNN:
    if image_shape is None or len(image_shape) not in (2, 3):
        raise InputError(key, "'cnn' needs image-shaped data but the inputs are plain vectors",
                         f"use {key}='mlp', or a data set with an image shape")
    return CNN(image_shape, out_features, **options)


# name -> (builder(in_features, out_features, image_shape, key=..., **options), the class whose keywords it takes)
ARCHITECTURES: dict[str, tuple[Callable[..., torch.nn.Module], type]] = {
    "mlp": (lambda n_in, n_out, image_shape=None, *, key="kind", **kw: MLP(n_in, out_features=n_out, **kw), MLP),
    "cnn": (_cnn, CNN),
}


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
    build, cls = ARCHITECTURES[kind]
    params = inspect.signature(cls).parameters
    return build(in_features, out_features, image_shape, key=key, **{k: v for k, v in options.items() if k in params})
