"""Fourier features (buffers, not parameters), FourierFeatureNet and the multi-scale Fourier net (MsFFN)."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.nn import FourierFeatureNet, FourierFeatures, MultiScaleFourierNet


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_gaussian_features_are_a_buffer():
    ff = FourierFeatures(2, "gaussian", 64, sigma=10.0, generator=gen(), dtype=torch.float64)
    assert list(ff.parameters()) == []
    assert "B" in ff.state_dict() and ff.B.shape == (64, 2)
    assert abs(float(ff.B.std()) / 10.0 - 1) < 0.15
    x = torch.randn(5, 2, dtype=torch.float64)
    z = 2 * math.pi * x @ ff.B.T
    torch.testing.assert_close(ff(x), torch.cat([torch.cos(z), torch.sin(z)], dim=1))
    assert ff(x).shape == (5, 128) and ff.out_features == 128
    # an optimiser over the module has nothing to update; a copy loads the same matrix
    other = FourierFeatures(2, "gaussian", 64, sigma=10.0, generator=gen(1), dtype=torch.float64)
    other.load_state_dict(ff.state_dict())
    torch.testing.assert_close(other(x), ff(x))


def test_trainable_option_and_seed():
    ff = FourierFeatures(1, "gaussian", 8, sigma=1.0, trainable=True, generator=gen())
    assert [n for n, _ in ff.named_parameters()] == ["B"]
    same = FourierFeatures(1, "gaussian", 8, sigma=1.0, generator=gen())
    torch.testing.assert_close(ff.B.detach(), same.B)


def test_basic_and_positional():
    basic = FourierFeatures(2, "basic")
    x = torch.tensor([[0.25, 0.5]])
    torch.testing.assert_close(basic(x), torch.tensor([[0.0, -1.0, 1.0, 0.0]]), rtol=0, atol=1e-6)
    pos = FourierFeatures(2, "positional", 4, sigma=16.0)
    assert pos.B.shape == (8, 2)
    torch.testing.assert_close(pos.B[:4, 0], torch.tensor([1.0, 2.0, 4.0, 8.0]))  # σ^{j/m}, j = 0…3
    assert float(pos.B[:4, 1].abs().sum()) == 0 and float(pos.B[4:, 0].abs().sum()) == 0


def test_features_follow_dtype_and_device():
    ff = FourierFeatures(1, "gaussian", 4, generator=gen(), dtype=torch.float64)
    assert ff.B.dtype == torch.float64
    assert ff.float().B.dtype == torch.float32  # buffers move with .to()/.float()


@pytest.mark.parametrize("kw,key", [(dict(kind="laplace"), "model.kind"), (dict(sigma=0), "model.sigma"),
                                    (dict(n_features=0), "model.n_features")])
def test_bad_features_raise(kw, key):
    with pytest.raises(InputError, match=key):
        FourierFeatures(1, **kw)


def test_fourier_feature_net():
    net = FourierFeatureNet(2, [32, 32], 3, n_features=16, sigma=5.0, generator=gen())
    assert net(torch.randn(6, 2)).shape == (6, 3)
    assert "features.B" in net.state_dict() and "features.B" not in dict(net.named_parameters())


def test_msffn_structure_and_formula():
    net = MultiScaleFourierNet(1, [20, 16, 16], 1, sigmas=[1.0, 10.0, 20.0], generator=gen(), dtype=torch.float64)
    x = torch.randn(7, 1, dtype=torch.float64)
    assert net(x).shape == (7, 1)
    assert all(emb.B.shape == (10, 1) for emb in net.embeddings)
    assert not any("embeddings" in n for n, _ in net.named_parameters())  # fixed matrices: buffers only
    assert sum(1 for k in net.state_dict() if k.startswith("embeddings")) == 3
    # the same trunk on every embedding; no 2π inside (Wang–Wang–Perdikaris / DeepXDE)
    parts = []
    for emb in net.embeddings:
        z = x @ emb.B.T
        parts.append(net.trunk(torch.cat([torch.cos(z), torch.sin(z)], dim=1)))
    torch.testing.assert_close(net(x), net.head(torch.cat(parts, dim=1)))
    assert net.head.in_features == 3 * 16
    # training updates trunk and head but never B
    b0 = [emb.B.clone() for emb in net.embeddings]
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(3):
        opt.zero_grad()
        net(x).square().mean().backward()
        opt.step()
    assert all(torch.equal(b, emb.B) for b, emb in zip(b0, net.embeddings))


def test_msffn_errors():
    with pytest.raises(InputError, match="model.widths"):
        MultiScaleFourierNet(1, [21, 16])
    with pytest.raises(InputError, match="model.sigmas"):
        MultiScaleFourierNet(1, [20, 16], sigmas=[])
