"""Neuron features, cosine-similarity matrix, orientation clusters, effective width, RD (T0.7)."""

import math

import pytest
import torch

from simbias.condensation import (
    NeuronFeatures,
    cosine_similarity_matrix,
    effective_width,
    neuron_features,
    orientation_clusters,
    relative_distance,
)
from simbias.errors import InputError

F64 = torch.float64


def test_neuron_features_1d_angle_and_amplitude():
    w = torch.tensor([1.0, 0.0, -2.0, 3.0], dtype=F64)
    b = torch.tensor([1.0, 2.0, 0.5, -4.0], dtype=F64)
    a = torch.tensor([0.5, -1.0, 2.0, 0.1], dtype=F64)
    f = neuron_features(w, b, a)
    assert f.is_angle
    for k in range(4):
        assert f.orientation[k].item() == pytest.approx(math.atan2(b[k].item(), w[k].item()), abs=1e-15)
        nu = math.hypot(w[k].item(), b[k].item())
        assert f.amplitude[k].item() == pytest.approx(abs(a[k].item()) * nu, rel=1e-15)
        assert f.signed_amplitude[k].item() == pytest.approx(a[k].item() * nu, rel=1e-15)
    # the authors' sign(b)·arccos(w/‖u‖) agrees for b ≠ 0
    u = torch.stack([w, b], 1)
    tut = torch.sign(b) * torch.arccos(w / u.norm(dim=1))
    torch.testing.assert_close(f.orientation, tut)
    torch.testing.assert_close(f.direction.norm(dim=1), torch.ones(4, dtype=F64))


def test_neuron_features_high_dim_projection_and_zero_neuron():
    w = torch.tensor([[1.0, 1.0], [0.0, 0.0], [1.0, -1.0]], dtype=F64)
    b = torch.tensor([1.0, 0.0, 0.0], dtype=F64)
    a = torch.tensor([[1.0, 0.0], [2.0, 0.0], [3.0, 4.0]], dtype=F64)  # two outputs
    f = neuron_features(w, b, a)
    assert not f.is_angle and f.signed_amplitude is None
    p = torch.ones(3, dtype=F64) / math.sqrt(3)
    torch.testing.assert_close(f.orientation, f.direction @ p)
    assert f.orientation[0].item() == pytest.approx(1.0)
    assert f.amplitude.tolist() == pytest.approx([math.sqrt(3), 0.0, 5 * math.sqrt(2)])
    assert f.direction[1].abs().max() == 0  # zero input vector: zero direction, not NaN
    g = neuron_features(w, b, a, reference=torch.tensor([1.0, 0.0, 0.0], dtype=F64))
    torch.testing.assert_close(g.orientation, g.direction[:, 0])
    with pytest.raises(InputError, match="reference"):
        neuron_features(w, b, a, reference=torch.ones(2))
    with pytest.raises(InputError, match="a"):
        neuron_features(w, b, torch.ones(4))


def test_cosine_similarity_matrix_blocks():
    g = torch.Generator().manual_seed(0)
    v = torch.tensor([0.6, -0.8, 0.0], dtype=F64)
    e = torch.tensor([0.0, 0.0, 1.0], dtype=F64)
    signs = torch.tensor([1, -1, 1, 1, -1, -1, 1, -1], dtype=F64)
    scales = torch.rand(8, generator=g, dtype=F64) + 0.5
    U = signs[:, None] * scales[:, None] * v + 1e-3 * torch.randn(8, 3, generator=g, dtype=F64) * e
    S, order = cosine_similarity_matrix(U[:, :2], U[:, 2])
    # naive oracle
    naive = torch.tensor([[float(U[i] @ U[j] / (U[i].norm() * U[j].norm())) for j in range(8)] for i in range(8)], dtype=F64)
    torch.testing.assert_close(S, naive[order][:, order])
    # ordering groups the two signs into two ±1 blocks
    s_sorted = signs[order]
    assert (s_sorted[:4] == s_sorted[0]).all() and (s_sorted[4:] == -s_sorted[0]).all()
    assert S[:4, :4].min() > 0.99 and S[:4, 4:].max() < -0.99
    S0, o0 = cosine_similarity_matrix(U, order=False)
    assert o0.tolist() == list(range(8))


def test_orientation_clusters_and_effective_width():
    # three orientations, well separated, with jitter < 0.02 rad; plus tiny-amplitude noise neurons
    g = torch.Generator().manual_seed(1)
    angles = torch.tensor([0.3] * 10 + [2.0] * 5 + [-1.5] * 3, dtype=F64)
    angles = angles + 0.02 * (torch.rand(18, generator=g, dtype=F64) - 0.5)
    amps = torch.cat([torch.full((10,), 1.0), torch.full((5,), 1.0), torch.full((3,), 1.0)]).to(F64)
    noise = torch.linspace(-3, 3, 30, dtype=F64)
    all_angles = torch.cat([angles, noise])
    all_amps = torch.cat([amps, torch.full((30,), 1e-4, dtype=F64)])
    dirs = torch.stack([torch.cos(all_angles), torch.sin(all_angles)], 1)
    cl = orientation_clusters(dirs, all_amps, tol_angle=0.1)
    total = float(all_amps.sum())
    assert cl[0].members.tolist()[:10] == list(range(10))
    assert cl[0].share == pytest.approx(float(all_amps[cl[0].members].sum()) / total)
    assert math.atan2(cl[0].direction[1], cl[0].direction[0]) == pytest.approx(0.3, abs=0.02)
    assert sum(len(c.members) for c in cl) == 48
    assert sorted(torch.cat([c.members for c in cl]).tolist()) == list(range(48))
    assert cl[0].share >= cl[1].share >= cl[2].share
    assert effective_width(dirs, all_amps, tol_angle=0.1) == 3
    assert effective_width(dirs, all_amps, tol_angle=0.1, share=0.5) == 1
    # with NeuronFeatures
    f = neuron_features(torch.cos(all_angles) * 2, torch.sin(all_angles) * 2, all_amps / 2)
    assert isinstance(f, NeuronFeatures)
    assert effective_width(f, tol_angle=0.1) == 3
    # lines=True merges opposite directions
    opp = torch.cat([dirs[:10], -dirs[:10]])
    assert len(orientation_clusters(opp, torch.ones(20, dtype=F64), tol_angle=0.1)) == 2
    assert len(orientation_clusters(opp, torch.ones(20, dtype=F64), tol_angle=0.1, lines=True)) == 1
    with pytest.raises(InputError, match="tol_angle"):
        orientation_clusters(dirs, all_amps, tol_angle=-0.1)
    with pytest.raises(InputError, match="amplitude"):
        orientation_clusters(dirs)
    with pytest.raises(InputError, match="share"):
        effective_width(dirs, all_amps, share=1.5)


def test_relative_distance():
    g = torch.Generator().manual_seed(2)
    w0, b0, a0 = torch.randn(50, 1, generator=g), torch.randn(50, generator=g), torch.randn(50, generator=g)
    # T0.7: RD of an untouched model is 0
    assert relative_distance((w0, b0), (w0.clone(), b0.clone())) == 0.0
    w, b = w0 + 0.1 * torch.randn(50, 1, generator=g), b0 - 0.05
    naive = math.sqrt(float(((w - w0) ** 2).sum() + ((b - b0) ** 2).sum())) / math.sqrt(float((w0**2).sum() + (b0**2).sum()))
    assert relative_distance((w0, b0), (w, b)) == pytest.approx(naive, rel=1e-6)
    # a common rescaling changes nothing; the authors' block rescaling [w/β₂; b/β₂; a/β₁] does
    assert relative_distance((w0, b0), (w, b), scales=(0.3, 0.3)) == pytest.approx(relative_distance((w0, b0), (w, b)), rel=1e-12)
    a = a0 * 1.5
    plain = relative_distance((w0, b0, a0), (w, b, a))
    resc = relative_distance((w0, b0, a0), (w, b, a), scales=(1.0, 1.0, 0.01))
    a_only = relative_distance(a0, a)
    assert resc != pytest.approx(plain) and resc == pytest.approx(a_only, rel=1e-3)
    with pytest.raises(InputError, match="theta0"):
        relative_distance(torch.zeros(3), torch.ones(3))
    with pytest.raises(InputError, match="scales"):
        relative_distance((w0, b0), (w, b), scales=(1.0,))
