"""Splitting (embedding principle, T0.8), merging condensed neurons (T22)."""

import math

import pytest
import torch

from simbias.condensation import (
    effective_width,
    merge_neurons,
    neuron_features,
    orientation_clusters,
    relative_distance,
    split_neuron,
    two_layer_forward,
)
from simbias.errors import InputError
from simbias.nn import TwoLayer

F64 = torch.float64


def test_two_layer_forward_matches_twolayer_module():
    g = torch.Generator().manual_seed(0)
    net = TwoLayer(3, 20, activation="tanh", alpha=2.5, generator=g, dtype=F64)
    x = torch.randn(7, 3, generator=g, dtype=F64)
    with torch.no_grad():
        torch.testing.assert_close(two_layer_forward(x, net.w, net.b, net.a, torch.tanh, alpha=2.5), net(x))
    naive = torch.stack([sum(net.a[k] * torch.tanh(net.w[k] @ x[i] + net.b[k]) for k in range(20)) / 2.5 for i in range(7)])
    torch.testing.assert_close(two_layer_forward(x, net.w, net.b, net.a, torch.tanh, alpha=2.5)[:, 0], naive)


@pytest.mark.parametrize("act", [torch.relu, torch.tanh])
def test_split_neuron_keeps_output(act):
    g = torch.Generator().manual_seed(1)
    w, b, a = torch.randn(5, 2, generator=g, dtype=F64), torch.randn(5, generator=g, dtype=F64), torch.randn(5, generator=g, dtype=F64)
    x = torch.randn(100, 2, generator=g, dtype=F64)
    w2, b2, a2 = split_neuron(w, b, a, 2, 0.3)
    assert w2.shape == (6, 2) and b2.shape == (6,) and a2.shape == (6,)
    assert a2[2].item() == pytest.approx(0.3 * a[2].item()) and a2[5].item() == pytest.approx(0.7 * a[2].item())
    diff = (two_layer_forward(x, w2, b2, a2, act) - two_layer_forward(x, w, b, a, act)).abs().max()
    assert diff < 1e-6  # T0.8 threshold; measured ~1e-16
    assert diff < 1e-13
    # no bias, vector output
    A = torch.randn(5, 3, generator=g, dtype=F64)
    w3, b3, a3 = split_neuron(w, None, A, -1, 0.3)
    assert b3 is None and a3.shape == (6, 3)
    torch.testing.assert_close(two_layer_forward(x, w3, None, a3, act), two_layer_forward(x, w, None, A, act))
    with pytest.raises(InputError, match="index"):
        split_neuron(w, b, a, 5, 0.3)
    with pytest.raises(InputError, match="lam"):
        split_neuron(w, b, a, 0, float("nan"))


def _narrow_loss(theta, x, y, m):
    w, b, a = theta[:m, None], theta[m : 2 * m], theta[2 * m :]
    return ((two_layer_forward(x, w, b, a, torch.tanh)[:, 0] - y) ** 2).mean()


def _grad_norm(params, x, y):
    params = [p.detach().clone().requires_grad_(True) for p in params]
    out = two_layer_forward(x, *params, torch.tanh)[:, 0]
    grads = torch.autograd.grad(((out - y) ** 2).mean(), params)
    return math.sqrt(sum(float((g_**2).sum()) for g_ in grads))


def test_split_maps_critical_point_to_critical_point():
    """T0.8: at a numerically found critical point of a width-3 tanh net (LBFGS + Newton polish in
    float64; a strict local minimum, Hessian eigenvalues ≥ 2e-4), the split width-4 net has gradient
    norm ≤ the narrow one's + 1e-12.  Measured: narrow 5.0e-16, wide 9.2e-16 (both copies carry the
    full ∂L/∂a_k, so in general ‖∇_wide‖ ≤ √2‖∇_narrow‖; at a critical point both vanish)."""
    m = 3
    x = torch.linspace(-1, 1, 40, dtype=F64)
    y = torch.sin(5 * x)
    theta = torch.randn(3 * m, generator=torch.Generator().manual_seed(0), dtype=F64).requires_grad_(True)
    opt = torch.optim.LBFGS([theta], lr=1.0, max_iter=300, tolerance_grad=1e-12, tolerance_change=0.0, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = _narrow_loss(theta, x, y, m)
        loss.backward()
        return loss

    opt.step(closure)
    t = theta.detach().clone()
    f = lambda th: _narrow_loss(th, x, y, m)  # noqa: E731
    for _ in range(5):  # Newton polish to machine precision
        g = torch.autograd.functional.jacobian(f, t)
        if g.norm() < 1e-13:
            break
        t = t - torch.linalg.solve(torch.autograd.functional.hessian(f, t), g)
    assert torch.linalg.eigvalsh(torch.autograd.functional.hessian(f, t)).min() > 0  # a genuine minimum
    narrow = [t[:m, None], t[m : 2 * m], t[2 * m :]]
    gn_narrow = _grad_norm(narrow, x, y)
    assert gn_narrow < 1e-8
    w2, b2, a2 = split_neuron(*narrow, 1, 0.3)
    gn_wide = _grad_norm([w2, b2, a2], x, y)
    assert gn_wide <= gn_narrow + 1e-12
    out_n = two_layer_forward(x, *narrow, torch.tanh)
    assert (two_layer_forward(x, w2, b2, a2, torch.tanh) - out_n).abs().max() < 1e-6


def test_merge_exact_for_collinear_relu_neurons():
    g = torch.Generator().manual_seed(4)
    dirs = torch.nn.functional.normalize(torch.randn(3, 3, generator=g, dtype=F64), dim=1)
    rep = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2])
    norms = torch.rand(9, generator=g, dtype=F64) + 0.5
    U = dirs[rep] * norms[:, None]
    a = torch.randn(9, generator=g, dtype=F64)
    x = torch.randn(50, 2, generator=g, dtype=F64)
    mg = merge_neurons(U[:, :2], U[:, 2], a, tol_angle=0.05)
    assert mg.width == 3
    assert (mg.assignment[rep == 0] == mg.assignment[0]).all()
    torch.testing.assert_close(two_layer_forward(x, mg.w, mg.b, mg.a, torch.relu), two_layer_forward(x, U[:, :2], U[:, 2], a, torch.relu))
    # Σ a_k ‖u_k‖ per cluster
    k0 = int(mg.assignment[0])
    assert mg.a[k0].item() == pytest.approx(float((a[:3] * norms[:3]).sum()))
    # no bias
    mg2 = merge_neurons(U, None, a)
    assert mg2.b is None and mg2.width == 3


def test_merge_non_homogeneous_only_merges_identical_neurons():
    g = torch.Generator().manual_seed(5)
    w, b, a = torch.randn(4, 1, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64)
    w2, b2, a2 = split_neuron(w, b, a, 0, 0.3)
    w2, b2, a2 = split_neuron(w2, b2, a2, 2, -0.5)
    # add a neuron with the same direction as neuron 1 but twice the norm: must stay separate
    w2, b2, a2 = torch.cat([w2, 2 * w[1:2]]), torch.cat([b2, 2 * b[1:2]]), torch.cat([a2, a[1:2]])
    mg = merge_neurons(w2, b2, a2, tol_angle=1e-9, activation_homogeneous=False)
    assert mg.width == 5
    x = torch.linspace(-2, 2, 40, dtype=F64)
    torch.testing.assert_close(two_layer_forward(x, mg.w, mg.b, mg.a, torch.tanh), two_layer_forward(x, w2, b2, a2, torch.tanh))
    # orientation merging would (wrongly, for tanh) fuse it
    assert merge_neurons(w2, b2, a2, tol_angle=1e-6).width == 4


def test_t22_condensed_net_merges_to_a_few_neurons():
    """T22 on COND-1D (author-code.md §12): 4 points, ReLU, init_t = 1 (γ = 2), no ASI, full-batch GD.

    Width 500 and lr 0.1 for 4000 steps (the authors: 1000, 0.05, 10 000); the NTK lr rule does not
    apply here (the initial NTK is ~m^-2 small).  Measured (seed 0): loss 1.7e-6, RD 9.8, 99.4 % of
    Σ A_k on two orientations (−2.82 and −0.32 rad), merging at 0.05 rad: 44 neurons, output change
    4.9e-6 relative."""
    x = torch.linspace(-1, 1, 4, dtype=F64)[:, None]
    y = 0.2 * torch.relu(x - 1 / 3) + 0.2 * torch.relu(-x - 1 / 3)
    net = TwoLayer(1, 500, init_t=1.0, generator=torch.Generator().manual_seed(0), dtype=F64)
    w0, b0 = net.w.detach().clone(), net.b.detach().clone()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(4000):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-4
    w, b, a = net.w.detach(), net.b.detach(), net.a.detach()
    assert relative_distance((w0, b0), (w, b)) > 1.0  # condensed regime: parameters move far
    f = neuron_features(w, b, a)
    assert effective_width(f, tol_angle=0.1, share=0.9) <= 4
    top = orientation_clusters(f, tol_angle=0.1)[:2]
    angles = sorted(math.atan2(float(c.direction[1]), float(c.direction[0])) for c in top)
    assert angles == pytest.approx([-2.82, -0.32], abs=0.05)  # the kinks ReLU(∓x − 1/3)
    mg = merge_neurons(w, b, a, tol_angle=0.05)
    xt = torch.linspace(-1, 1, 401, dtype=F64)[:, None]
    with torch.no_grad():
        out = net(xt)
    merged = two_layer_forward(xt, mg.w, mg.b, mg.a, torch.relu)
    assert float((merged - out).norm() / out.norm()) < 0.01
    assert mg.width < 500 // 5
