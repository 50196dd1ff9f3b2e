"""TwoLayer: (α, β₁, β₂) scaling, init_t convention, ASI, presets, validation."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import TwoLayer, two_layer_scales

F64 = torch.float64


def test_forward_matches_naive_formula_and_shapes():
    g = torch.Generator().manual_seed(0)
    net = TwoLayer(2, 30, activation="tanh", alpha=3.0, beta1=0.5, beta2=2.0, generator=g, dtype=F64)
    assert net.w.shape == (30, 2) and net.b.shape == (30,) and net.a.shape == (30,)
    x = torch.randn(5, 2, generator=g, dtype=F64)
    out = net(x)
    assert out.shape == (5, 1)
    W, B, A = net.w.detach(), net.b.detach(), net.a.detach()
    naive = [sum(float(A[k]) * math.tanh(float(W[k] @ x[i] + B[k])) for k in range(30)) / 3.0 for i in range(5)]
    torch.testing.assert_close(out[:, 0], torch.tensor([float(v) for v in naive], dtype=F64))
    # 1-D input may come as (n,)
    net1 = TwoLayer(1, 8, generator=g, dtype=F64)
    xs = torch.linspace(-1, 1, 4, dtype=F64)
    torch.testing.assert_close(net1(xs), net1(xs[:, None]))
    # vector output and no hidden bias
    net3 = TwoLayer(2, 8, out_features=3, bias=False, generator=g, dtype=F64)
    assert net3.a.shape == (8, 3) and net3.b is None and net3(x).shape == (5, 3)
    assert [n for n, _ in net.named_parameters()] == ["w", "b", "a"]


def test_forward_does_not_write_to_self_and_is_seeded():
    net = TwoLayer(1, 16, generator=torch.Generator().manual_seed(1))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    attrs = dict(vars(net))
    net(torch.randn(4, 1))
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert dict(vars(net)).keys() == attrs.keys()
    again = TwoLayer(1, 16, generator=torch.Generator().manual_seed(1))
    assert all(torch.equal(before[k], v) for k, v in again.state_dict().items())


def test_scales_empirical_std():
    m, d = 4000, 3
    g = torch.Generator().manual_seed(2)
    net = TwoLayer(d, m, alpha=7.0, beta1=0.3, beta2=2.0, generator=g, dtype=F64)
    assert net.w.std().item() == pytest.approx(2.0, rel=0.03)
    assert net.b.std().item() == pytest.approx(2.0, rel=0.05)
    assert net.a.std().item() == pytest.approx(0.3, rel=0.05)
    assert net.scales == (7.0, 0.3, 2.0)


@pytest.mark.parametrize("t", [0.25, 0.5, 1.0])
def test_init_t_sets_every_std_to_m_power_minus_t(t):
    m = 2000
    net = TwoLayer(1, m, init_t=t, generator=torch.Generator().manual_seed(3), dtype=F64)
    sigma = m ** (-t)
    assert net.scales == (1.0, pytest.approx(sigma), pytest.approx(sigma))
    for p in (net.w, net.b, net.a):
        assert p.std().item() == pytest.approx(sigma, rel=0.06)
    assert net.phase_coordinates == pytest.approx((2 * t, 0.0), abs=1e-12)


@pytest.mark.numerics
def test_antisymmetric_gives_zero_output_to_rounding():
    """The mirrored parameters are exactly equal (asserted bitwise); the output is zero up to rounding.

    Not an exact 0.0: the two halves' hidden features come out of one x @ wᵀ product whose columns
    are computed by different SIMD lanes/tails of the GEMM kernel, and each half's sum is its own
    GEMM, so on some CPUs mirrored pairs differ in the last bit (4.4e-16 seen on AVX2).  The bound is
    the standard floating-point error of these sums, scaled by the magnitudes that enter them:
    |f(x)| ≤ 8 · width · eps · Σ_k |a_k| (|σ(z_k)| + Σ_j |x_j w_kj| + |b_k|) / α  — about 1e-12 of
    that magnitude, while a broken mirror gives an output of the order of the magnitude itself.
    """
    g = torch.Generator().manual_seed(4)
    eps = torch.finfo(F64).eps
    for kw in (dict(alpha=64.0), dict(init_t=0.5), dict(activation="tanh", out_features=2)):
        net = TwoLayer(3, 4096, antisymmetric=True, generator=g, dtype=F64, **kw)
        x = torch.randn(50, 3, generator=g, dtype=F64)
        h = 2048
        assert torch.equal(net.w[:h], net.w[h:]) and torch.equal(net.b[:h], net.b[h:]) and torch.equal(net.a[:h], -net.a[h:])
        with torch.no_grad():
            out = net(x)
            a = net.a[:, None] if net.a.ndim == 1 else net.a
            z_abs = x.abs() @ net.w.abs().T + net.b.abs()
            magnitude = ((net.activation(x @ net.w.T + net.b).abs() + z_abs) @ a.abs()) / net.alpha
        bound = 8 * net.width * eps * magnitude
        assert bool((out.abs() <= bound).all()), float((out.abs() / magnitude).max())
        assert float(magnitude.min()) > 0  # the bound is not vacuous: the terms themselves are nonzero
    # after a step the output moves off zero
    net = TwoLayer(1, 64, antisymmetric=True, generator=g)
    x = torch.linspace(-1, 1, 5)[:, None]
    loss = ((net(x) - 1) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in net.parameters():
            p -= 0.1 * p.grad
    assert net(x).abs().max() > 0


def test_presets_follow_table_1():
    m, d = 400, 5
    assert two_layer_scales("ntk", m, d) == (20.0, 1.0, 1.0)
    assert two_layer_scales("mean_field", m, d) == (400.0, 1.0, 1.0)
    assert two_layer_scales("lecun", m, d) == pytest.approx((1.0, 1 / 20, 1 / math.sqrt(5)))
    assert two_layer_scales("he", m, d) == pytest.approx((1.0, math.sqrt(2 / 400), math.sqrt(2 / 5)))
    assert two_layer_scales("xavier", m, d) == pytest.approx((1.0, math.sqrt(2 / 401), math.sqrt(2 / 405)))
    assert two_layer_scales("power", m, d, t=1.0) == pytest.approx((1.0, 1 / 400, 1 / 400))
    net = TwoLayer.preset("ntk", d, m, antisymmetric=True, generator=torch.Generator().manual_seed(5))
    assert net.alpha == 20.0 and net.antisymmetric
    assert net.phase_coordinates == pytest.approx((0.5, 0.0))
    p = TwoLayer.preset("power", 1, m, t=0.5)
    assert p.scales == pytest.approx((1.0, 0.05, 0.05))


@pytest.mark.parametrize(
    "kwargs, what",
    [
        (dict(width=0), "model.width"),
        (dict(width=2.5), "model.width"),
        (dict(width=True), "model.width"),
        (dict(in_features=0), "model.in_features"),
        (dict(alpha=0.0), "model.alpha"),
        (dict(beta1=-1.0), "model.beta1"),
        (dict(beta2=float("nan")), "model.beta2"),
        (dict(activation="swish"), "model.activation"),
        (dict(width=7, antisymmetric=True), "model.width"),
        (dict(init_t=1.0, alpha=3.0), "model.init_t"),
        (dict(init_t="big"), "model.init_t"),
        (dict(generator=0), "generator"),
        (dict(init="glorot"), "model.init"),
        (dict(init="uniform"), "model.init_ranges"),
        (dict(init="uniform", init_ranges=(1.0, 0.0, 1.0)), "model.init_ranges"),
        (dict(init="uniform", init_ranges=(1.0, 1.0)), "model.init_ranges"),
        (dict(init="uniform", init_ranges=(1.0, 1.0, 1.0), beta1=0.5), "model.init"),
        (dict(init_ranges=(1.0, 1.0, 1.0)), "model.init_ranges"),
    ],
)
def test_bad_input_raises(kwargs, what):
    args = dict(in_features=1, width=8)
    args.update(kwargs)
    with pytest.raises(InputError) as e:
        TwoLayer(args.pop("in_features"), args.pop("width"), **args)
    assert e.value.what == what


@pytest.mark.parametrize("antisymmetric,bias", [(True, True), (False, True), (True, False)])
def test_uniform_init_is_the_documented_draw(antisymmetric, bias):
    """init="uniform": w, b, a ~ U(±range) drawn in float64 in the order w, b, a (the registry's
    uniform law), mirrored pairs with ASI, then converted to the dtype."""
    ranges, m = (3.0, 2.0, 0.1), 40
    net = TwoLayer(1, m, init="uniform", init_ranges=ranges, antisymmetric=antisymmetric, bias=bias,
                   generator=torch.Generator().manual_seed(3), dtype=torch.float32)
    g, half = torch.Generator().manual_seed(3), m // 2 if antisymmetric else m
    draw = lambda r: (2.0 * torch.rand(half, generator=g, dtype=F64) - 1.0) * r  # noqa: E731
    w, b, a = draw(ranges[0]), draw(ranges[1]) if bias else None, draw(ranges[2])
    if antisymmetric:
        w, b, a = torch.cat([w, w]), torch.cat([b, b]) if bias else None, torch.cat([a, -a])
    assert net.w.dtype == torch.float32 and torch.equal(net.w.detach()[:, 0], w.float())
    assert torch.equal(net.a.detach(), a.float()) and (net.b is None if not bias else torch.equal(net.b.detach(), b.float()))
    assert net.init == "uniform" and net.init_ranges == ranges and "init_ranges" in repr(net)
    assert net.scales == (1.0, ranges[2] / math.sqrt(3), ranges[0] / math.sqrt(3))  # β's: the uniform laws' stds
    if antisymmetric:
        assert float(net(torch.linspace(-1, 1, 9)).detach().abs().max()) == 0.0


def test_bad_forward_input_and_preset():
    net = TwoLayer(2, 4)
    with pytest.raises(InputError, match="x"):
        net(torch.randn(3))
    with pytest.raises(InputError, match="x"):
        net(torch.randn(3, 3))
    with pytest.raises(InputError, match="preset"):
        TwoLayer.preset("kaiming", 1, 8)
