"""nn.make_net: the registered architecture, with the keywords its class takes."""

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import ARCHITECTURES, CNN, MLP, make_net


def test_mlp_equals_the_class_built_directly():
    net = make_net("mlp", 3, 2, widths=(8, 4), channels=(5,), init="xavier", generator=torch.Generator().manual_seed(1))
    ref = MLP(3, (8, 4), 2, init="xavier", generator=torch.Generator().manual_seed(1))
    assert isinstance(net, MLP)
    for a, b in zip(net.parameters(), ref.parameters()):
        assert torch.equal(a, b)


def test_cnn_takes_the_image_shape_and_ignores_mlp_keywords():
    net = make_net("cnn", 64, 10, image_shape=(1, 8, 8), channels=(4,), hidden=(16,), widths=(7,), init_t=0.3,
                   output_bias=False, generator=torch.Generator().manual_seed(0))
    assert isinstance(net, CNN) and net(torch.zeros(3, 64)).shape == (3, 10)


def test_cnn_without_an_image_shape_and_unknown_kinds_are_refused():
    with pytest.raises(InputError, match="model.kind"):
        make_net("cnn", 64, 10, key="model.kind")
    with pytest.raises(InputError, match="mlp, cnn"):
        make_net("resnet", 4, 1)
    assert set(ARCHITECTURES) >= {"mlp", "cnn"}
