"""One initialisation registry: canonical names, aliases, and the draws each name stands for."""

import math

import pytest
import torch

from simbias import nn as snn
from simbias.errors import InputError
from simbias.nn._init import INIT_ALIASES, INIT_SCHEMES, init_parameters_, resolve_init


def _g():
    return torch.Generator().manual_seed(7)


def _oracle(weight_shape, bias_shape, law, w_scale, b_scale):
    """The documented draw written out: weight first, then bias, float64 from the generator."""
    g = _g()
    if law == "uniform":
        w = (2 * torch.rand(weight_shape, generator=g, dtype=torch.float64) - 1) * w_scale
    else:
        w = w_scale * torch.randn(weight_shape, generator=g, dtype=torch.float64)
    b = b_scale * torch.randn(bias_shape, generator=g, dtype=torch.float64) if b_scale else torch.zeros(bias_shape, dtype=torch.float64)
    return w, b


@pytest.mark.parametrize("name,law,w_scale,b_scale", [
    ("normal", "normal", 0.3, 0.3), ("std", "normal", 0.3, 0.3),
    ("xavier", "normal", math.sqrt(2 / 8), 0.0), ("he", "normal", math.sqrt(2 / 5), 0.0),
    ("lecun", "normal", math.sqrt(1 / 5), 0.0), ("msdnn", "normal", math.sqrt(2 / 8), math.sqrt(2 / 8)),
    ("mscale", "normal", 2 / math.sqrt(8), 2 / math.sqrt(8)),
    ("xavier_uniform", "uniform", math.sqrt(6 / 8), 0.0), ("glorot_uniform", "uniform", math.sqrt(6 / 8), 0.0),
])
def test_each_name_draws_its_documented_law(name, law, w_scale, b_scale):
    lin = torch.nn.Linear(5, 3, dtype=torch.float64)
    init_parameters_(lin, name, std=0.3, generator=_g())
    w, b = _oracle((3, 5), (3,), law, w_scale, b_scale)
    assert torch.equal(lin.weight.detach(), w.to(torch.float64)) and torch.equal(lin.bias.detach(), b)


def test_aliases_are_the_same_draw_and_unknown_names_teach():
    assert INIT_ALIASES["std"] == "normal" and INIT_ALIASES["glorot_uniform"] == "xavier_uniform"
    assert resolve_init("glorot_uniform") == "xavier_uniform" and "std" not in INIT_SCHEMES
    with pytest.raises(InputError, match="model.init: unknown scheme 'kaiming'.*xavier"):
        resolve_init("kaiming")
    with pytest.raises(InputError, match="model.init_std"):
        snn.MLP(1, [4], 1, init="normal")


def test_the_three_models_share_the_draws():
    """MLP ("std"), DenseStack ("normal") and CNN ("std") name one draw: same parameters."""
    a = snn.MLP(3, [6, 5], 2, activation="tanh", init="std", init_std=0.3, generator=_g())
    b = snn.DenseStack(3, [6, 5], 2, activation="tanh", init="normal", init_std=0.3, generator=_g())
    c = snn.MLP(3, [6, 5], 2, activation="tanh", init="normal", init_std=0.3, generator=_g())
    pa = [p.detach() for p in a.parameters()]
    for other in (b, c):
        po = [p.detach() for p in other.parameters()]
        assert len(po) == len(pa) and all(torch.equal(x, y) for x, y in zip(pa, po))
    d = snn.CNN((1, 8, 8), 10, channels=(4, 6), hidden=(12,), init="glorot_uniform", generator=_g())
    e = snn.CNN((1, 8, 8), 10, channels=(4, 6), hidden=(12,), init="xavier_uniform", generator=_g())
    assert all(torch.equal(x, y) for x, y in zip(d.parameters(), e.parameters()))


def test_mlp_power_is_normal_with_width_power_std():
    a = snn.MLP(2, [16], 1, init="power", init_t=0.5, generator=_g())
    b = snn.MLP(2, [16], 1, init="std", init_std=16 ** -0.5, generator=_g())
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))


def test_torch_scheme_is_pytorchs_default_law_from_our_generator():
    """"torch": weight then bias ~ U(±1/√fan_in) (float64 draws), for every model of the registry."""
    lin = torch.nn.Linear(5, 3, dtype=torch.float64)
    init_parameters_(lin, "torch", generator=_g())
    g, bound = _g(), 1 / math.sqrt(5)
    w = (2 * torch.rand((3, 5), generator=g, dtype=torch.float64) - 1) * bound
    b = (2 * torch.rand((3,), generator=g, dtype=torch.float64) - 1) * bound
    assert torch.equal(lin.weight.detach(), w) and torch.equal(lin.bias.detach(), b)
    conv = torch.nn.Conv2d(2, 4, 3)
    init_parameters_(conv, "torch", generator=_g())
    assert float(conv.weight.detach().abs().max()) <= 1 / math.sqrt(18) and float(conv.bias.detach().abs().min()) > 0
    mlp = snn.MLP(5, [3], 1, init="torch", generator=_g(), dtype=torch.float64)
    assert torch.equal(mlp.layers[0].weight.detach(), w) and torch.equal(mlp.layers[0].bias.detach(), b)
