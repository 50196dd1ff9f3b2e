"""Fourier-feature embeddings and the networks built on them.

* :class:`FourierFeatures` — γ(x) = [cos(c·B x), sin(c·B x)] with a fixed matrix B (m × d) and
  c = 2π (Tancik et al., arXiv 2006.10739) or c = 1 (``two_pi=False``; Wang, Wang & Perdikaris
  arXiv 2012.10047 and DeepXDE absorb 2π into σ).  Kinds:

  - ``"gaussian"``: B_ij ~ N(0, σ²), m = ``n_features``;
  - ``"basic"``: B = I (γ(x) = [cos 2πx, sin 2πx]), m = d; ``n_features`` and σ are unused;
  - ``"positional"``: rows σ^{j/m} e_i for every input axis i and j = 0…m−1 (m = ``n_features``
    per axis; m·d rows), Tancik's positional encoding with unit amplitudes.

  B is a **buffer** (saved in ``state_dict``, moved by ``.to``, never updated by an optimiser)
  unless ``trainable=True``.  DeepXDE's PyTorch MsFFN stored it as a tensor that later became
  trainable (peers.md §2.3); a buffer cannot.
* :class:`FourierFeatureNet` — γ(x) followed by a :class:`~simbias.nn.DenseStack` (the Tancik
  image-regression network).
* :class:`MultiScaleFourierNet` — MsFFN (Wang, Wang & Perdikaris arXiv 2012.10047; DeepXDE
  ``MsFFN``): for each σ in ``sigmas`` a Gaussian embedding of width ``widths[0]`` (m =
  ``widths[0]/2``, no 2π by default), the *same* trunk ``widths[0] → widths[1:]`` applied to each
  embedding, the trunk outputs concatenated and a linear head to ``out_features``.  Any number of
  σ works (DeepXDE's PyTorch head assumed two).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import InputError
from ._blocks import Activation, DenseStack, as_batch, check_size, check_widths, init_dense_, check_init

__all__ = ["FOURIER_KINDS", "FourierFeatures", "FourierFeatureNet", "MultiScaleFourierNet"]

FOURIER_KINDS = ("gaussian", "basic", "positional")


class FourierFeatures(nn.Module):
    """γ(x) = [cos(c B x), sin(c B x)], c = 2π (or 1 with ``two_pi=False``); output width 2·rows(B).

    Parameters
    ----------
    in_features : int
        Input dimension d.
    kind : {"gaussian", "basic", "positional"}, default "gaussian"
        How B is built (module docstring).
    n_features : int, default 256
        m, the number of frequencies (per axis for ``"positional"``).
    sigma : float, default 10.0
        Scale σ of the Gaussian (standard deviation) or positional (largest frequency) kinds.
    two_pi : bool, default True
        Multiply by 2π (Tancik) or not (Wang–Wang–Perdikaris / DeepXDE).
    trainable : bool, default False
        Make B a parameter instead of a buffer.
    generator : torch.Generator, optional
        Random source of the Gaussian B (the global RNG when ``None``).
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> ff = FourierFeatures(1, "basic")
    >>> ff(torch.tensor([0.0, 0.125]))  # [cos 2πx, sin 2πx]
    tensor([[1.0000, 0.0000],
            [0.7071, 0.7071]])
    >>> FourierFeatures(2, "positional", n_features=4, sigma=16.0).B[:4, 0]
    tensor([1., 2., 4., 8.])
    """

    def __init__(self, in_features: int, kind: str = "gaussian", n_features: int = 256, sigma: float = 10.0, *,
                 two_pi: bool = True, trainable: bool = False, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        d = check_size("model.in_features", in_features)
        if kind not in FOURIER_KINDS:
            raise InputError("model.kind", f"unknown Fourier features {kind!r}", f"choose one of {', '.join(FOURIER_KINDS)}")
        try:
            sigma = float(sigma)
        except (TypeError, ValueError):
            raise InputError("model.sigma", f"got {sigma!r}", "give a positive number, e.g. 10") from None
        if not (sigma > 0 and math.isfinite(sigma)):
            raise InputError("model.sigma", f"got {sigma!r}", "give a positive number, e.g. 10")
        if kind == "gaussian":
            m = check_size("model.n_features", n_features)
            b = sigma * torch.randn(m, d, generator=generator, dtype=torch.float64)
        elif kind == "basic":
            b = torch.eye(d, dtype=torch.float64)
        else:
            m = check_size("model.n_features", n_features)
            freqs = sigma ** (torch.arange(m, dtype=torch.float64) / m)
            b = torch.kron(torch.eye(d, dtype=torch.float64), freqs[:, None])  # rows σ^{j/m} e_i
        b = b.to(dtype=dtype or torch.get_default_dtype(), device=device)
        if trainable:
            self.B = nn.Parameter(b)
        else:
            self.register_buffer("B", b)
        self.kind, self.sigma, self.two_pi = kind, sigma, bool(two_pi)
        self.in_features, self.out_features = d, 2 * b.shape[0]

    def forward(self, x: Tensor) -> Tensor:
        """γ(x) = [cos(c B x), sin(c B x)], shape (n, 2·rows(B))."""
        z = as_batch(x, self.in_features) @ self.B.T
        if self.two_pi:
            z = 2 * math.pi * z
        return torch.cat([torch.cos(z), torch.sin(z)], dim=-1)

    def extra_repr(self) -> str:
        return (f"kind={self.kind!r}, sigma={self.sigma}, features={self.out_features}, two_pi={self.two_pi}, "
                f"trainable={isinstance(self.B, nn.Parameter)}")


class FourierFeatureNet(nn.Module):
    """γ(x) (:class:`FourierFeatures`) then a :class:`DenseStack` ``2m → widths → out_features`` (Tancik et al.).

    Tancik et al., arXiv 2006.10739: the embedding lets a ReLU network fit high frequencies that
    the spectral bias would otherwise leave for last.

    Parameters
    ----------
    in_features : int
        Input dimension d.
    widths : sequence of int
        Hidden widths of the network after the embedding.
    out_features : int, default 1
        Output dimension.
    kind : {"gaussian", "basic", "positional"}, default "gaussian"
        Embedding kind (see :class:`FourierFeatures`).
    n_features : int, default 256
        Number of frequencies m.
    sigma : float, default 10.0
        Embedding scale σ.
    two_pi : bool, default True
        Include 2π in the embedding.
    trainable : bool, default False
        Make B a parameter.
    activation : str or callable, default "relu"
        Hidden activation.
    init : str, default "xavier"
        Initialisation of the dense layers (:mod:`simbias.nn._blocks`).
    init_std : float, optional
        Standard deviation of ``"normal"``.
    generator : torch.Generator, optional
        Random source of B and the weights.
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = FourierFeatureNet(2, [64, 64], 3, n_features=32, sigma=10.0, generator=torch.Generator().manual_seed(0))
    >>> net(torch.rand(4, 2)).shape
    torch.Size([4, 3])
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int = 1, *, kind: str = "gaussian",
                 n_features: int = 256, sigma: float = 10.0, two_pi: bool = True, trainable: bool = False,
                 activation: Activation = "relu", init: str = "xavier", init_std: float | None = None,
                 generator: torch.Generator | None = None, dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.features = FourierFeatures(in_features, kind, n_features, sigma, two_pi=two_pi, trainable=trainable,
                                        generator=generator, dtype=dtype, device=device)
        self.mlp = DenseStack(self.features.out_features, widths, out_features, activation, init=init, init_std=init_std,
                              generator=generator, dtype=dtype, device=device)
        self.in_features, self.out_features = in_features, out_features

    def forward(self, x: Tensor) -> Tensor:
        """(n, out_features) for x (n, in_features)."""
        return self.mlp(self.features(x))


class MultiScaleFourierNet(nn.Module):
    """MsFFN (module docstring): head(concat_σ trunk(γ_σ(x))), with one shared trunk.

    Parameters
    ----------
    in_features : int
        Input dimension.
    widths : sequence of int
        ``widths[0]`` is the embedding width 2m (even); ``widths[1:]`` the shared trunk's hidden
        widths (DeepXDE's ``layer_sizes[1:-1]``; e.g. [100, 100, 100]).
    out_features : int, default 1
        Output dimension.
    sigmas : sequence of float, default (1.0, 10.0)
        The scales σ of the Gaussian embeddings (DeepXDE demo: [1, 10]).
    two_pi : bool, default False
        Include 2π in the embeddings (default no, as the original code).
    activation : str or callable, default "tanh"
        Trunk activation.
    init : str, default "glorot_uniform"
        Trunk and head initialisation (DeepXDE: Glorot uniform).
    init_std : float, optional
        Standard deviation of ``"normal"``.
    generator : torch.Generator, optional
        Random source of the embeddings and the weights.
    dtype : torch.dtype, optional
        Parameter dtype (default: torch's default dtype).
    device : torch.device or str, optional
        Parameter device.

    Examples
    --------
    >>> import torch
    >>> net = MultiScaleFourierNet(1, [20, 30, 30], 1, sigmas=[1, 10], generator=torch.Generator().manual_seed(0))
    >>> net(torch.linspace(0, 1, 6)).shape, net.head.in_features
    (torch.Size([6, 1]), 60)
    """

    def __init__(self, in_features: int, widths: Sequence[int], out_features: int = 1, *,
                 sigmas: Sequence[float] = (1.0, 10.0), two_pi: bool = False, activation: Activation = "tanh",
                 init: str = "glorot_uniform", init_std: float | None = None, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        widths = check_widths(widths, allow_empty=False)
        if widths[0] % 2:
            raise InputError("model.widths", f"the embedding width widths[0] = {widths[0]} is odd",
                             "make it even: it holds [cos, sin] of widths[0]/2 features")
        try:
            sigmas = tuple(float(s) for s in sigmas)
        except (TypeError, ValueError):
            raise InputError("model.sigmas", f"got {sigmas!r}", "give a list of positive numbers, e.g. [1, 10]") from None
        if not sigmas:
            raise InputError("model.sigmas", "got an empty list", "give at least one σ, e.g. [1, 10]")
        check_init(init, init_std)
        self.embeddings = nn.ModuleList(
            FourierFeatures(in_features, "gaussian", widths[0] // 2, s, two_pi=two_pi, generator=generator, dtype=dtype,
                            device=device)
            for s in sigmas
        )
        self.trunk = DenseStack(widths[0], widths[1:], None, activation, init=init, init_std=init_std,
                                generator=generator, dtype=dtype, device=device)
        self.head = nn.Linear(len(sigmas) * self.trunk.out_features, check_size("model.out_features", out_features),
                              dtype=dtype, device=device)
        init_dense_(self.head, init, std=init_std, generator=generator)
        self.sigmas, self.in_features, self.out_features = sigmas, in_features, out_features

    def forward(self, x: Tensor) -> Tensor:
        """(n, out_features): the head applied to the concatenated trunk outputs of every σ."""
        return self.head(torch.cat([self.trunk(emb(x)) for emb in self.embeddings], dim=-1))

    def extra_repr(self) -> str:
        return f"sigmas={list(self.sigmas)}"
