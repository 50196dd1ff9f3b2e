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

    Args:
        in_features: input dimension d.
        kind: ``"gaussian"``, ``"basic"`` or ``"positional"`` (module docstring).
        n_features: m, the number of frequencies (per axis for ``"positional"``).
        sigma: scale σ of the Gaussian (standard deviation) or positional (largest frequency) kinds.
        two_pi: multiply by 2π (Tancik) or not (Wang–Wang–Perdikaris / DeepXDE).
        trainable: make B a parameter instead of a buffer.
        generator: random source of the Gaussian B (the global RNG when ``None``).
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
        z = as_batch(x, self.in_features) @ self.B.T
        if self.two_pi:
            z = 2 * math.pi * z
        return torch.cat([torch.cos(z), torch.sin(z)], dim=-1)

    def extra_repr(self) -> str:
        return (f"kind={self.kind!r}, sigma={self.sigma}, features={self.out_features}, two_pi={self.two_pi}, "
                f"trainable={isinstance(self.B, nn.Parameter)}")


class FourierFeatureNet(nn.Module):
    """γ(x) (:class:`FourierFeatures`) then a :class:`DenseStack` ``2m → widths → out_features`` (Tancik et al.)."""

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
        return self.mlp(self.features(x))


class MultiScaleFourierNet(nn.Module):
    """MsFFN (module docstring): head(concat_σ trunk(γ_σ(x))), with one shared trunk.

    Args:
        in_features: input dimension.
        widths: ``widths[0]`` is the embedding width 2m (even); ``widths[1:]`` the shared trunk's
            hidden widths (DeepXDE's ``layer_sizes[1:-1]``; e.g. [100, 100, 100]).
        out_features: output dimension.
        sigmas: the scales σ of the Gaussian embeddings (DeepXDE demo: [1, 10]).
        two_pi: include 2π in the embeddings (default no, as the original code).
        activation: trunk activation; init: trunk and head initialisation (DeepXDE: Glorot uniform).
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
        return self.head(torch.cat([self.trunk(emb(x)) for emb in self.embeddings], dim=-1))

    def extra_repr(self) -> str:
        return f"sigmas={list(self.sigmas)}"
