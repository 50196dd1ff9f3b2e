import math

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import ACTIVATIONS, MLP, Ricker, get_activation, phi, s2relu, srelu


def test_t0_4_compact_activations(f64):
    """papers.md T0.4: sReLU(0.5) = 0.25 with support [0, 1]; φ(1.5) = 1.5, φ ≡ 0 outside [0, 3], φ ∈ C¹;
    s2ReLU has zeros at 0, ½, 1 and maximum ≈ 0.1998."""
    x = torch.linspace(-2, 5, 70001)
    assert srelu(torch.tensor(0.5)) == 0.25
    assert torch.all(srelu(x)[(x < 0) | (x > 1)] == 0)
    assert phi(torch.tensor(1.5)) == 1.5
    assert torch.all(phi(x)[(x < 0) | (x > 3)] == 0)
    # C¹: the derivative is continuous at the knots 0, 1, 2, 3
    for knot in [0.0, 1.0, 2.0, 3.0]:
        pts = torch.tensor([knot - 1e-7, knot + 1e-7], requires_grad=True)
        (g,) = torch.autograd.grad(phi(pts).sum(), pts)
        assert abs(g[0] - g[1]) < 1e-5
    for z in [0.0, 0.5, 1.0]:
        assert abs(float(s2relu(torch.tensor(z)))) < 1e-12
    assert float(s2relu(torch.linspace(0, 1, 100001)).max()) == pytest.approx(0.1998, abs=1e-4)


def test_ricker_is_the_mexican_hat(f64):
    r = Ricker(0.5)
    x = torch.tensor([0.0, 0.5])
    c = 2 / (math.sqrt(1.5) * math.pi**0.25)
    torch.testing.assert_close(r(x), torch.tensor([c, 0.0]))
    with pytest.raises(InputError):
        Ricker(0)


def test_registry_names_and_error():
    for name in ["tanh", "relu", "sigmoid", "sin", "srelu", "phi", "s2relu", "xtanh", "x2tanh", "ricker"]:
        assert name in ACTIVATIONS
    with pytest.raises(InputError) as err:
        get_activation("swish9")
    assert "model.activation" in str(err.value) and "tanh" in str(err.value)


def test_power_init_is_the_original_convention(f64):
    """Every weight and bias ~ N(0, σ²), σ = m^(−t), m = first hidden width (author-code.md §1.1)."""
    m = MLP(1, [400, 300], init="power", init_t=0.5, generator=torch.Generator().manual_seed(0))
    sigma = 400 ** -0.5
    for layer in m.layers:
        for p in (layer.weight, layer.bias):
            if p.numel() < 100:
                continue
            assert float(p.detach().std()) == pytest.approx(sigma, rel=0.15)


def test_std_and_fan_inits(f64):
    g = torch.Generator().manual_seed(0)
    m = MLP(3, [500], 2, init="std", init_std=0.05, generator=g)
    assert float(m.layers[0].weight.detach().std()) == pytest.approx(0.05, rel=0.1)
    h = MLP(300, [400], 1, init="he", generator=g)
    assert float(h.layers[0].weight.detach().std()) == pytest.approx(math.sqrt(2 / 300), rel=0.05)
    assert torch.all(h.layers[0].bias == 0)


def test_same_generator_seed_same_model_and_no_output_bias():
    a = MLP(1, [8, 8], generator=torch.Generator().manual_seed(3), output_bias=False)
    b = MLP(1, [8, 8], generator=torch.Generator().manual_seed(3), output_bias=False)
    assert a.layers[-1].bias is None
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("kw", [dict(widths=[0]), dict(widths=[4], init="kaiming"), dict(widths=[4], init="std"),
                                dict(widths=[4], activation="nope")])
def test_bad_model_input(kw):
    with pytest.raises(InputError):
        MLP(1, **kw)


def test_forward_is_pure():
    m = MLP(1, [4], generator=torch.Generator().manual_seed(0))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    m(torch.randn(5, 1))
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    assert len(m.hidden(torch.randn(5, 1))) == 1
