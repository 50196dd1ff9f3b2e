"""The architecture registry: make_net builds the registered class with only the settings it takes."""

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import ARCHITECTURES, DenseStack, MscaleDNN1, MscaleDNN2, make_net, make_scales

SETTINGS = dict(activation="tanh", init="xavier", residual=False, scales=(1.0, 2.0), first_layer="sin",
                scale_bias=True, amplitude=1.0, kind="gaussian", n_features=4, sigma=3.0, sigmas=(1.0, 5.0),
                two_pi=False)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_every_architecture_builds_from_one_set_of_settings(arch):
    cls = ARCHITECTURES[arch]
    net = make_net(arch, 2, [6, 6], generator=torch.Generator().manual_seed(0), dtype=torch.float64, **SETTINGS)
    assert type(net) is cls
    assert net(torch.zeros(3, 2, dtype=torch.float64)).shape == (3, 1)


def test_make_net_equals_the_constructor_with_the_settings_it_takes():
    net = make_net("mscale1", 1, [8], generator=torch.Generator().manual_seed(1), **SETTINGS)
    direct = MscaleDNN1(1, [8], 1, scales=(1.0, 2.0), first_layer="sin", scale_bias=True, residual=False, amplitude=1.0,
                        activation="tanh", init="xavier", generator=torch.Generator().manual_seed(1))
    for p, q in zip(net.parameters(), direct.parameters(), strict=True):
        assert torch.equal(p, q)
    plain = make_net("mlp", 1, [8], generator=torch.Generator().manual_seed(1), **SETTINGS)
    assert isinstance(plain, DenseStack)


def test_a_scale_rule_name_becomes_make_scales():
    net = make_net("mscale2", 1, [4], scales="msdnn", n_scales=5, generator=torch.Generator().manual_seed(0))
    assert isinstance(net, MscaleDNN2) and net.scale_values == make_scales("msdnn", 5)


def test_unknown_architecture_is_refused_naming_the_key():
    with pytest.raises(InputError, match="model.arch"):
        make_net("transformer", 1, [4])
