"""Empirical NTK, kernel regression, linearised dynamics, NTK learning rate (T17)."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import TwoLayer
from simbias.theory import empirical_ntk, kernel_regression, linearized_prediction, ntk_learning_rate, relu_two_layer_ntk

F64 = torch.float64


def naive_ntk(model, x1, x2):
    """Loop over points: J_i = ∂f(x_i)/∂θ by autograd, K_ij = J_i · J_j."""

    def jac(x):
        rows = []
        for i in range(x.shape[0]):
            out = model(x[i : i + 1]).sum()
            g = torch.autograd.grad(out, [p for p in model.parameters()])
            rows.append(torch.cat([t.reshape(-1) for t in g]))
        return torch.stack(rows)

    return jac(x1) @ jac(x2).T


def closed_form_relu_ntk(net, x1, x2):
    """(1/α²) Σ_k [σ(z_k)σ(z′_k) + a_k² 1(z_k>0)1(z′_k>0)(x x′ + 1)] for a 1-D two-layer ReLU net."""
    w, b, a = net.w.detach()[:, 0], net.b.detach(), net.a.detach()
    z1, z2 = x1 * w + b, x2 * w + b  # (n, m)
    K = torch.relu(z1) @ torch.relu(z2).T
    K += ((z1 > 0).to(F64) * a**2) @ (z2 > 0).to(F64).T * (x1 @ x2.T + 1)
    return K / net.alpha**2


def test_empirical_ntk_matches_oracles():
    g = torch.Generator().manual_seed(0)
    net = TwoLayer(1, 64, alpha=8.0, beta1=0.7, beta2=1.3, generator=g, dtype=F64)
    x1 = torch.linspace(-1, 1, 7, dtype=F64)[:, None]
    x2 = torch.linspace(-0.9, 0.8, 5, dtype=F64)[:, None]
    K = empirical_ntk(net, x1, x2)
    assert K.shape == (7, 5)
    torch.testing.assert_close(K, naive_ntk(net, x1, x2), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(K, closed_form_relu_ntk(net, x1, x2), rtol=1e-12, atol=1e-14)
    Kxx = empirical_ntk(net, x1)
    torch.testing.assert_close(Kxx, Kxx.T)
    assert torch.linalg.eigvalsh(Kxx).min() > -1e-12
    # multi-output: (n1, n2, c, c), the diagonal blocks equal the per-output kernels
    net3 = TwoLayer(2, 16, out_features=3, activation="tanh", generator=g, dtype=F64)
    xs = torch.randn(4, 2, generator=g, dtype=F64)
    K3 = empirical_ntk(net3, xs)
    assert K3.shape == (4, 4, 3, 3)
    torch.testing.assert_close(K3.permute(0, 2, 1, 3).reshape(12, 12), K3.permute(0, 2, 1, 3).reshape(12, 12).T)


@pytest.mark.parametrize("kw", [
    dict(in_features=1, alpha=3.0, antisymmetric=True, init="uniform", init_ranges=(3.0, 3.0, 0.1)),  # LFP case A
    dict(in_features=1, init="uniform", init_ranges=(0.2, 1.0, 1.0)),                               # LFP case B
    dict(in_features=3, alpha=8.0, beta1=0.7, beta2=1.3),                                           # Gaussian, d = 3
    dict(in_features=2, bias=False, alpha=2.0),                                                     # no biases
])
def test_relu_two_layer_ntk_equals_the_autograd_jacobian_product(kw):
    """The closed form against the naive oracle (per-point autograd Jacobians, J1 J2ᵀ) in float64."""
    g = torch.Generator().manual_seed(0)
    d = kw.pop("in_features")
    net = TwoLayer(d, 40, generator=g, dtype=F64, **kw)
    x1, x2 = torch.randn(7, d, generator=g, dtype=F64), torch.randn(5, d, generator=g, dtype=F64)
    K = relu_two_layer_ntk(net, x1, x2)
    assert K.shape == (7, 5) and K.dtype == F64
    torch.testing.assert_close(K, naive_ntk(net, x1, x2), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(relu_two_layer_ntk(net, x1), relu_two_layer_ntk(net, x1, x1))
    if d == 1:  # 1-D inputs may come as (n,)
        torch.testing.assert_close(relu_two_layer_ntk(net, x1[:, 0], x2[:, 0]), K)


def test_relu_two_layer_ntk_bad_input():
    with pytest.raises(InputError, match="activation"):
        relu_two_layer_ntk(TwoLayer(1, 4, activation="tanh"), torch.zeros(2, 1))
    with pytest.raises(InputError, match="^model"):
        relu_two_layer_ntk(torch.nn.Linear(1, 1), torch.zeros(2, 1))
    with pytest.raises(InputError, match="scalar output"):
        relu_two_layer_ntk(TwoLayer(1, 4, out_features=2), torch.zeros(2, 1))
    with pytest.raises(InputError, match="x2"):
        relu_two_layer_ntk(TwoLayer(2, 4), torch.zeros(2, 2), torch.zeros(2, 3))


def test_kernel_regression_and_linearized_dynamics():
    g = torch.Generator().manual_seed(1)
    X = torch.randn(6, 2, generator=g, dtype=F64)
    Xt = torch.randn(4, 2, generator=g, dtype=F64)
    kern = lambda A, B: torch.exp(-torch.cdist(A, B) ** 2)  # noqa: E731
    K, Kt = kern(X, X), kern(Xt, X)
    y = torch.randn(6, generator=g, dtype=F64)
    pred = kernel_regression(K, y, Kt)
    torch.testing.assert_close(kernel_regression(K, y, K), y, rtol=1e-9, atol=1e-9)  # interpolates
    torch.testing.assert_close(pred, Kt @ torch.linalg.inv(K) @ y, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(kernel_regression(K, y[:, None], Kt)[:, 0], pred)
    # infinite-time linearised prediction with initial output subtracted
    f0x, f0t = torch.randn(6, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64)
    inf = linearized_prediction(K, y, Kt, f0_train=f0x, f0_test=f0t)
    torch.testing.assert_close(inf, f0t + kernel_regression(K, y - f0x, Kt), rtol=1e-8, atol=1e-10)
    # finite steps equal a naive loop of linearised GD on the mean MSE: θ-space with features Φ
    lr, steps = 0.3, 25
    res = f0x.clone()
    acc = torch.zeros(6, dtype=F64)  # Σ_i r_i
    for _ in range(steps):
        r = res - y
        acc += r
        res = res - lr * (2 / 6) * K @ r
    fin = linearized_prediction(K, y, Kt, f0_train=f0x, f0_test=f0t, lr=lr, steps=steps)
    torch.testing.assert_close(fin, f0t - lr * (2 / 6) * Kt @ acc, rtol=1e-9, atol=1e-11)
    torch.testing.assert_close(linearized_prediction(K, y, K, f0_train=f0x, f0_test=f0x, lr=lr, steps=steps), res)
    assert linearized_prediction(K, y, Kt, lr=lr, steps=0).abs().max() == 0
    with pytest.raises(InputError, match="lr"):
        linearized_prediction(K, y, Kt, steps=3)
    with pytest.raises(InputError, match="K_test_train"):
        kernel_regression(K, y, Kt.T)
    with pytest.raises(InputError, match="ridge"):
        kernel_regression(K, y, Kt, ridge=-1.0)


def test_ntk_learning_rate_is_stable_rule():
    g = torch.Generator().manual_seed(2)
    net = TwoLayer(1, 256, alpha=16.0, antisymmetric=True, generator=g, dtype=F64)
    x = torch.linspace(-1, 1, 8, dtype=F64)[:, None]
    lr = ntk_learning_rate(net, x)
    lam = torch.linalg.eigvalsh(2 * empirical_ntk(net, x) / 8).max()
    assert lr * lam == pytest.approx(0.5, rel=1e-12)
    assert ntk_learning_rate(net, x, reduction="sum") == pytest.approx(lr / 8, rel=1e-12)
    with pytest.raises(InputError, match="factor"):
        ntk_learning_rate(net, x, factor=2.0)
    with pytest.raises(InputError, match="reduction"):
        ntk_learning_rate(net, x, reduction="half")


def _t17_error(m, seed, steps=400):
    xtr = torch.linspace(-1, 1, 8, dtype=F64)[:, None]
    ytr = torch.sin(2 * xtr[:, 0]) + 0.3 * xtr[:, 0]
    xte = torch.linspace(-0.95, 0.95, 25, dtype=F64)[:, None]
    g = torch.Generator().manual_seed(seed)
    net = TwoLayer(1, m, alpha=math.sqrt(m), antisymmetric=True, generator=g, dtype=F64)
    assert net(xtr).abs().max() == 0  # ASI: f₀ ≡ 0
    K, Kt = empirical_ntk(net, xtr), empirical_ntk(net, xte, xtr)
    target = kernel_regression(K, ytr, Kt)
    lr = ntk_learning_rate(net, xtr, factor=1.0)  # lr·λ_max(2K/n) = 1
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(xtr)[:, 0] - ytr) ** 2).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        out = net(xte)[:, 0]
    return float((out - target).norm() / target.norm())


def test_t17_ntk_scaled_net_matches_kernel_regression():
    """T17: α = √m, β₁ = β₂ = 1, ASI, GD on 8 points; measured errors (seeds 0-2, 400 steps):
    m = 512: 0.031, 0.055, 0.055; m = 4096: 0.012, 0.021, 0.016 (relative L2 on 25 held-out points)."""
    e512 = [_t17_error(512, s) for s in range(3)]
    e4096 = [_t17_error(4096, s) for s in range(3)]
    assert max(e4096) < 0.05
    assert sum(e4096) < sum(e512)
