"""A data set's targets in the form a loss needs (labels for cross-entropy, one-hot rows for MSE)."""

from __future__ import annotations

from dataclasses import replace

from ..errors import InputError
from ._datasets import Dataset, one_hot

__all__ = ["for_loss"]


def for_loss(ds: Dataset, loss: str = "auto", *, key: str = "loss") -> tuple[Dataset, str]:
    """The data set a loss trains on, and the loss resolved.

    ``"auto"`` resolves to ``"cross_entropy"`` for class labels and ``"mse"`` for float targets;
    class labels become one-hot float rows for any loss but cross-entropy (``n_classes`` then
    ``None``: the targets are floats).

    Parameters
    ----------
    ds : Dataset
        The data (``x``, labels or float targets ``y``).
    loss : str, default "auto"
        ``"auto"``, ``"cross_entropy"`` or a regression loss such as ``"mse"``.
    key : str, default "loss"
        The input named in the error of cross-entropy on float targets.

    Returns
    -------
    (Dataset, str)
        The data with its targets as the loss needs them, and the resolved loss.

    Examples
    --------
    >>> import torch
    >>> ds = Dataset(torch.rand(4, 2), torch.tensor([0, 1, 2, 1]))
    >>> one, loss = for_loss(ds, "mse")
    >>> loss, tuple(one.y.shape), one.out_features
    ('mse', (4, 3), 3)
    >>> for_loss(ds)[1]
    'cross_entropy'
    """
    if loss == "auto":
        loss = "cross_entropy" if ds.is_classification else "mse"
    elif loss == "cross_entropy" and not ds.is_classification:
        raise InputError(key, "'cross_entropy' needs class labels but the data have float targets",
                         f"use {key}='mse' (or 'auto')")
    if loss == "cross_entropy" or not ds.is_classification:
        return ds, loss
    return replace(ds, y=one_hot(ds.y, ds.n_classes, dtype=ds.x.dtype), n_classes=None, info=dict(ds.info)), loss
