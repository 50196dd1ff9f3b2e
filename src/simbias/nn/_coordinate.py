"""A coordinate network with an input encoding and a bounded output (Tancik et al. 2020, image regression).

:class:`CoordinateNet` = encoding γ(x) → ReLU :class:`~simbias.nn.DenseStack` → linear → sigmoid.
The encodings are those of :class:`~simbias.nn.FourierFeatures` (``basic``, ``positional``,
``gaussian``; the matrix B is built there) plus ``none`` (γ(x) = x).

Unlike :class:`~simbias.nn.FourierFeatureNet` the encoding's *kind* and σ are not attributes of the
module: they live only in the buffer B.  So nets that differ only in B (Gaussian and positional
encodings with the same number of rows, or Gaussians of different σ) have one structure and can
be trained together by :class:`simbias.train.Ensemble` (B is stacked per member).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._blocks import DenseStack, as_batch
from ._fourier import FOURIER_KINDS, FourierFeatures

__all__ = ["CoordinateNet", "ENCODINGS", "encoding_width", "positional_matrix"]

ENCODINGS = ("none", *FOURIER_KINDS)


def encoding_width(encoding: str, in_features: int, n_features: int) -> int:
    """Width of γ(x): d (``none``), 2d (``basic``), 2·m·d (``positional``), 2·m (``gaussian``)."""
    if encoding not in ENCODINGS:
        raise InputError("model.encoding", f"unknown encoding {encoding!r}", f"choose one of {', '.join(ENCODINGS)}")
    return {"none": in_features, "basic": 2 * in_features, "positional": 2 * n_features * in_features,
            "gaussian": 2 * n_features}[encoding]


class CoordinateNet(nn.Module):
    """γ(x) → ``widths`` ReLU layers → ``out_features`` → sigmoid (module docstring).

    Parameters
    ----------
    in_features : int
        Input dimension d.
    widths : sequence of int
        Hidden widths (Tancik's image net: [256, 256, 256], i.e. 4 dense layers of 256 channels
        counting the output layer).
    out_features : int, default 1
        Outputs (one per colour channel).
    encoding : {"none", "basic", "positional", "gaussian"}, default "gaussian"
        The input encoding γ.
    n_features : int, default 256
        m (Gaussian rows; positional frequencies per axis).
    sigma : float, default 10.0
        Gaussian standard deviation / largest positional frequency (cycles per unit).
    output : {"sigmoid", "identity"}, default "sigmoid"
        Output map: values in (0, 1), or unbounded.
    activation : str, default "relu"
        Hidden activation.
    init : str, default "xavier"
        Hidden and output initialisation (:class:`~simbias.nn.DenseStack`).
    generator : torch.Generator, optional
        Random source of B and the weights.
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = CoordinateNet(2, [32, 32], 3, encoding="gaussian", n_features=16, sigma=10.0,
    ...                     generator=torch.Generator().manual_seed(0))
    >>> net(torch.rand(5, 2)).shape
    torch.Size([5, 3])
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int = 1, *, encoding: str = "gaussian",
                 n_features: int = 256, sigma: float = 10.0, output: str = "sigmoid", activation: str = "relu",
                 init: str = "xavier", generator: torch.Generator | None = None, dtype: torch.dtype | None = None,
                 device=None):
        super().__init__()
        width = encoding_width(encoding, in_features, n_features)
        if output not in ("sigmoid", "identity"):
            raise InputError("model.output", f"got {output!r}", "choose 'sigmoid' or 'identity'")
        if encoding == "none":
            self.register_buffer("B", None)
        else:
            ff = FourierFeatures(in_features, encoding, n_features, sigma, generator=generator, dtype=dtype,
                                 device=device)
            self.register_buffer("B", ff.B.detach().clone())
        self.mlp = DenseStack(width, widths, out_features, activation, init=init, generator=generator, dtype=dtype,
                              device=device)
        self.sigmoid = output == "sigmoid"
        self.in_features, self.out_features = in_features, out_features

    def encode(self, x: Tensor) -> Tensor:
        """γ(x): x itself, or [cos 2πBx, sin 2πBx]."""
        x = as_batch(x, self.in_features)
        if self.B is None:
            return x
        z = (2 * math.pi) * (x @ self.B.T)
        return torch.cat([torch.cos(z), torch.sin(z)], dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        """(n, out_features) for x (n, in_features); in (0, 1) with ``output='sigmoid'``."""
        out = self.mlp(self.encode(x))
        return torch.sigmoid(out) if self.sigmoid else out


def positional_matrix(in_features: int, n_features: int, max_frequency: float, *, dtype=torch.float64) -> Tensor:
    """B of Tancik et al.'s (2020) positional encoding, as their Table-1 notebook builds it.

    Rows b_j e_i for every input axis i and j = 0 … m−1 (m = ``n_features`` per axis, m·d rows),
    b_j = (1 + P)^{j/(m−1)} − 1 with P = ``max_frequency``: log-spaced from 0 to P cycles per unit
    (their ``2**linspace(0, s, m) − 1``, P = 2^s − 1).  Copy it into ``CoordinateNet(...,
    encoding="positional", n_features=m).B`` (same shape).

    Parameters
    ----------
    in_features : int
        Input dimension d.
    n_features : int
        m, frequencies per axis.
    max_frequency : float
        P, the largest frequency.
    dtype : torch.dtype, default torch.float64
        Dtype of the result.

    Returns
    -------
    torch.Tensor
        (m·d, d).

    Examples
    --------
    >>> positional_matrix(2, 3, 3.0)
    tensor([[0., 0.],
            [1., 0.],
            [3., 0.],
            [0., 0.],
            [0., 1.],
            [0., 3.]], dtype=torch.float64)
    """
    b = (1.0 + max_frequency) ** (torch.arange(n_features, dtype=torch.float64) / max(1, n_features - 1))
    return torch.kron(torch.eye(in_features, dtype=torch.float64), b[:, None] - 1.0).to(dtype)
