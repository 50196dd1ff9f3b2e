"""The architecture registry: make_net builds the registered class with only the settings it takes."""

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import ARCHITECTURES, CNN, MLP, DenseStack, MscaleDNN1, MscaleDNN2, make_net, make_scales

SETTINGS = dict(widths=[6, 6], activation="tanh", init="xavier", residual=False, scales=(1.0, 2.0), first_layer="sin",
                scale_bias=True, amplitude=1.0, kind="gaussian", n_features=4, sigma=3.0, sigmas=(1.0, 5.0),
                two_pi=False, channels=(4,), hidden=(16,))


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_every_architecture_builds_from_one_set_of_settings(arch):
    cls = ARCHITECTURES[arch]
    net = make_net(arch, 64, image_shape=(1, 8, 8), generator=torch.Generator().manual_seed(0), dtype=torch.float64,
                   **SETTINGS)
    assert type(net) is cls
    assert net(torch.zeros(3, 64, dtype=torch.float64)).shape == (3, 1)


def test_make_net_equals_the_constructor_with_the_settings_it_takes():
    net = make_net("mscale1", 1, generator=torch.Generator().manual_seed(1), **{**SETTINGS, "widths": [8]})
    direct = MscaleDNN1(1, [8], 1, scales=(1.0, 2.0), first_layer="sin", scale_bias=True, residual=False, amplitude=1.0,
                        activation="tanh", init="xavier", generator=torch.Generator().manual_seed(1))
    for p, q in zip(net.parameters(), direct.parameters(), strict=True):
        assert torch.equal(p, q)
    mlp = make_net("mlp", 3, 2, widths=(8, 4), channels=(5,), init="xavier", generator=torch.Generator().manual_seed(1))
    ref = MLP(3, (8, 4), 2, init="xavier", generator=torch.Generator().manual_seed(1))
    for p, q in zip(mlp.parameters(), ref.parameters(), strict=True):
        assert torch.equal(p, q)
    assert isinstance(make_net("dense", 1, widths=[8], generator=torch.Generator().manual_seed(1)), DenseStack)


def test_a_scale_rule_name_becomes_make_scales():
    net = make_net("mscale2", 1, widths=[4], scales="msdnn", n_scales=5, generator=torch.Generator().manual_seed(0))
    assert isinstance(net, MscaleDNN2) and net.scale_values == make_scales("msdnn", 5)


def test_cnn_takes_the_image_shape_and_ignores_other_keywords():
    net = make_net("cnn", 64, 10, image_shape=(1, 8, 8), channels=(4,), hidden=(16,), widths=(7,), init_t=0.3,
                   output_bias=False, generator=torch.Generator().manual_seed(0))
    assert isinstance(net, CNN) and net(torch.zeros(3, 64)).shape == (3, 10)


def test_unknown_architecture_and_cnn_without_image_are_refused_naming_the_key():
    with pytest.raises(InputError, match="model.arch"):
        make_net("transformer", 1, widths=[4])
    with pytest.raises(InputError, match="model.kind"):
        make_net("cnn", 64, 10, key="model.kind")
