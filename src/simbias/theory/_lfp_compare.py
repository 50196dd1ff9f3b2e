"""What a wide two-layer ReLU net trained in the linear regime is compared with (papers.md T15/T16;
arXiv 1905.10264): the infinite-time limit of its linearised dynamics (kernel regression with the
initial NTK), and on a grid the LFP prediction, the natural cubic spline and the linear interpolant.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ._lfp import fp_norm_interpolant, lfp_crossover_frequency, lfp_gamma2, linear_interpolant, natural_cubic_spline
from ._ntk import linearized_prediction, relu_two_layer_ntk

__all__ = ["relu_ntk_limit", "lfp_curves"]


def relu_ntk_limit(model: nn.Module, x: Tensor, y: Tensor, x_test: Tensor) -> Tensor:
    """The infinite-time output on ``x_test`` of the linearised two-layer ReLU net ``model`` trained
    on (``x``, ``y``): f₀ + K(x_test, X) K⁺ (y − f₀(X)) with the net's initial NTK K
    (:func:`relu_two_layer_ntk`, :func:`linearized_prediction`).

    Parameters
    ----------
    model : nn.Module
        The initial net (one output; a :class:`~simbias.nn.TwoLayer` with ReLU).
    x : torch.Tensor
        (n, d) training inputs.
    y : torch.Tensor
        (n,) labels (float64).
    x_test : torch.Tensor
        (n_test, d) evaluation points.

    Returns
    -------
    torch.Tensor
        (n_test,) float64 on the CPU.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> net = TwoLayer(1, 200, antisymmetric=True, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> x, y = torch.tensor([[-0.5], [0.5]], dtype=torch.float64), torch.tensor([1.0, -1.0], dtype=torch.float64)
    >>> relu_ntk_limit(net, x, y, x).tolist()   # the kernel interpolant passes through the data
    [1.0, -1.0]
    """
    K = relu_two_layer_ntk(model, x, x).cpu()
    Kt = relu_two_layer_ntk(model, x_test, x).to(torch.float64).cpu()
    with torch.no_grad():
        f0, f0_test = (model(v)[:, 0].to(torch.float64).cpu() for v in (x, x_test))
    return linearized_prediction(K, y, Kt, f0_train=f0, f0_test=f0_test)


def lfp_curves(x: Tensor, y: Tensor, w: Tensor, a: Tensor, grid: Tensor, *, n_freq: int = 2000,
               period: float | None = None, n_xi: int = 200) -> dict[str, np.ndarray]:
    """The LFP prediction and the two spline limits on ``grid``, and the LFP weight γ(ξ)² (normalised
    to a largest value of 1) on ``n_xi`` log-spaced frequencies from 0.1 to 10 × the crossover
    (at least 10), for the initial parameters ``w``, ``a`` of a two-layer ReLU net.

    Parameters
    ----------
    x, y : torch.Tensor
        (n,) data points and labels (float64).
    w, a : torch.Tensor
        (m,) initial input and output weights (:func:`lfp_gamma2`).
    grid : torch.Tensor
        (n_grid,) evaluation points.
    n_freq : int, default 2000
        Frequencies of the FP-norm solver (:func:`fp_norm_interpolant`).
    period : float, optional
        Its period (unset: 20 × the data span).
    n_xi : int, default 200
        Frequencies of γ(ξ)².

    Returns
    -------
    dict of numpy.ndarray
        ``prediction`` (the FP-norm interpolant), ``cubic`` (natural cubic spline), ``linear``
        (piecewise linear) on the grid; ``xi`` and ``gamma2``.

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> w, a = torch.rand(500, generator=g, dtype=torch.float64) * 6 - 3, torch.rand(500, generator=g, dtype=torch.float64) - 0.5
    >>> x, y = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64), torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    >>> c = lfp_curves(x, y, w, a, x, n_freq=200)
    >>> c["linear"].tolist(), float(c["gamma2"].max())
    ([0.0, 1.0, 0.0], 1.0)
    """
    def gamma2(xi):
        return lfp_gamma2(xi, w=w, a=a)

    xi = np.geomspace(0.1, max(10.0, 10 * lfp_crossover_frequency(w=w, a=a)), n_xi)
    g2 = gamma2(torch.as_tensor(xi)).numpy()
    return {"prediction": fp_norm_interpolant(x, y, gamma2, n_freq=n_freq, period=period)(grid).numpy(),
            "cubic": natural_cubic_spline(x, y)(grid).numpy(), "linear": linear_interpolant(x, y)(grid).numpy(),
            "xi": xi, "gamma2": g2 / g2.max()}
