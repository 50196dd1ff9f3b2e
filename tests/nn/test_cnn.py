"""The small CNN: shapes on the shipped image sizes, explicit initialisation, bad inputs."""

import math

import pytest
import torch

from simbias import nn as snn
from simbias.errors import InputError


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("in_shape,n_flat", [((1, 8, 8), 64 * 2 * 2), ((1, 28, 28), 64 * 12 * 12),
                                             ((3, 32, 32), 64 * 14 * 14), ((1, 40), 64 * 18)])
def test_shapes_of_the_tutorial_cnn(in_shape, n_flat):
    net = snn.CNN(in_shape, 10, generator=gen())
    assert net.n_flat == n_flat  # conv 3 → conv 3 → pool 2, no padding (the tutorial's 12 544 for CIFAR-10)
    x = torch.rand(5, math.prod(in_shape), generator=gen(1))
    out = net(x)
    assert out.shape == (5, 10)
    torch.testing.assert_close(net(x.reshape(5, *in_shape)), out)  # flattened rows or shaped images alike
    stages = net.hidden(x)
    assert [s.shape[1] for s in stages] == [32 * math.prod(s - 2 for s in in_shape[1:]), n_flat, 400]


def test_options_change_the_architecture():
    net = snn.CNN((1, 8, 8), 3, channels=(4,), kernel_size=3, padding=1, pool=1, hidden=(7, 5), activation="tanh",
                  generator=gen())
    assert net.n_flat == 4 * 8 * 8 and len(net.fcs) == 3
    assert net(torch.zeros(2, 64)).shape == (2, 3) and len(net.hidden(torch.zeros(2, 64))) == 3


def test_xavier_init_statistics_and_zero_biases():
    net = snn.CNN((1, 28, 28), 10, generator=gen())
    conv2 = net.convs[1]
    fan_in, fan_out = 32 * 9, 64 * 9
    std = conv2.weight.detach().double().std().item()
    assert std == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    fc = net.fcs[0]
    assert fc.weight.detach().double().std().item() == pytest.approx(math.sqrt(2 / (9216 + 400)), rel=0.02)
    assert all(float(m.bias.detach().abs().max()) == 0 for m in [*net.convs, *net.fcs])


def test_xavier_uniform_bounds_and_std_init():
    net = snn.CNN((1, 8, 8), 10, init="xavier_uniform", generator=gen())
    w = net.convs[1].weight.detach()
    bound = math.sqrt(6 / (32 * 9 + 64 * 9))
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.95 * bound
    net = snn.CNN((1, 8, 8), 10, init="std", init_std=0.05, generator=gen())
    assert net.convs[0].bias.detach().double().std().item() == pytest.approx(0.05, rel=0.3)
    assert net.fcs[0].weight.detach().double().std().item() == pytest.approx(0.05, rel=0.02)


def test_same_seed_same_net_in_every_dtype():
    a = snn.CNN((1, 8, 8), 10, generator=gen(3))
    b = snn.CNN((1, 8, 8), 10, generator=gen(3), dtype=torch.float64)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa.double(), pb, rtol=1e-6, atol=1e-7)
    c = snn.CNN((1, 8, 8), 10, generator=gen(4))
    assert not torch.equal(a.convs[0].weight, c.convs[0].weight)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(in_shape=(1, 2, 2)), "model.kernel_size"),
    (dict(in_shape=(1, 2)), "model.kernel_size"),
    (dict(in_shape=(1, 8, 8), init="power"), "model.init"),
    (dict(in_shape=(1, 8, 8), init="std"), "model.init_std"),
    (dict(in_shape=(1, 8, 8), channels=()), "model.channels"),
    (dict(in_shape=(1, 8, 8), pool=5), "model.pool"),
    (dict(in_shape=(1, 2, 3, 4, 5)), "model.in_shape"),
])
def test_bad_arguments_raise_input_errors(kwargs, needle):
    with pytest.raises(InputError, match=needle):
        snn.CNN(out_features=10, **kwargs)


def test_wrong_input_shape_names_the_fix():
    net = snn.CNN((1, 8, 8), 10, generator=gen())
    with pytest.raises(InputError, match="64"):
        net(torch.zeros(3, 63))
