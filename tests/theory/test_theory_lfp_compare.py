"""theory.relu_ntk_limit (against the autograd NTK), lfp_curves, activation_multiplicity(strict=False)."""

import numpy as np
import pytest
import torch

from simbias import theory
from simbias.errors import InputError
from simbias.nn import TwoLayer


def test_relu_ntk_limit_equals_kernel_regression_with_the_autograd_ntk():
    net = TwoLayer(1, 64, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x = torch.tensor([[-0.8], [-0.1], [0.4], [0.9]], dtype=torch.float64)
    y = torch.tensor([0.3, -0.2, 0.5, 0.1], dtype=torch.float64)
    xt = torch.linspace(-1, 1, 11, dtype=torch.float64)[:, None]
    K, Kt = theory.empirical_ntk(net, x), theory.empirical_ntk(net, xt, x)
    with torch.no_grad():
        f0, f0t = net(x)[:, 0], net(xt)[:, 0]
    naive = f0t + Kt @ torch.linalg.solve(K, y - f0)
    torch.testing.assert_close(theory.relu_ntk_limit(net, x, y, xt), naive, rtol=1e-7, atol=1e-9)
    torch.testing.assert_close(theory.relu_ntk_limit(net, x, y, x), y, rtol=1e-8, atol=1e-10)


def test_lfp_curves_are_the_named_predictions_on_the_grid():
    g = torch.Generator().manual_seed(0)
    w = torch.rand(300, generator=g, dtype=torch.float64) * 6 - 3
    a = (torch.rand(300, generator=g, dtype=torch.float64) - 0.5) * 0.2
    x = torch.tensor([-0.8, -0.3, 0.1], dtype=torch.float64)
    y = torch.tensor([0.25, -0.07, -0.05], dtype=torch.float64)
    grid = torch.linspace(-0.8, 0.1, 31, dtype=torch.float64)
    c = theory.lfp_curves(x, y, w, a, grid, n_freq=300, n_xi=50)
    np.testing.assert_allclose(c["cubic"], theory.natural_cubic_spline(x, y)(grid).numpy())
    np.testing.assert_allclose(c["linear"], np.interp(grid.numpy(), x.numpy(), y.numpy()), atol=1e-12)
    fp = theory.fp_norm_interpolant(x, y, lambda xi: theory.lfp_gamma2(xi, w=w, a=a), n_freq=300)
    np.testing.assert_allclose(c["prediction"], fp(grid).numpy())
    assert c["xi"].shape == (50,) and c["xi"][0] == pytest.approx(0.1) and c["gamma2"].max() == 1.0
    g2 = theory.lfp_gamma2(torch.as_tensor(c["xi"]), w=w, a=a).numpy()
    np.testing.assert_allclose(c["gamma2"], g2 / g2.max())


def test_activation_multiplicity_not_strict_returns_none():
    assert theory.activation_multiplicity(torch.relu, strict=False) is None
    assert theory.activation_multiplicity(torch.tanh, strict=False) == 1
    with pytest.raises(InputError):
        theory.activation_multiplicity(torch.relu)
