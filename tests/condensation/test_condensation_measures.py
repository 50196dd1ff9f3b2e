"""condensation.recorded_weights and compressed_width (against a naive top-k loop)."""

import numpy as np
import torch

from simbias.condensation import compressed_width, merge_neurons, recorded_weights, two_layer_forward


def test_recorded_weights_reads_a_snapshot_in_float64():
    h = {"param_w": np.arange(12.0, dtype=np.float32).reshape(2, 3, 2), "param_b": np.ones((2, 3)),
         "param_a": np.zeros((2, 3))}
    w, b, a = recorded_weights(h, -1)
    assert w.dtype == torch.float64 and w.tolist() == [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]
    assert b.tolist() == [1.0, 1.0, 1.0] and a.shape == (3,)
    assert recorded_weights({"param_w": h["param_w"], "param_a": h["param_a"]}, 0)[1] is None


def _naive(merged, x, act, ref, alpha, tol):
    amp = merged.a.abs() * torch.cat([merged.w, merged.b[:, None]], dim=1).norm(dim=1)
    order = sorted(range(merged.width), key=lambda k: -float(amp[k]))
    errs = []
    for k in range(1, merged.width + 1):
        idx = torch.tensor(order[:k])
        out = two_layer_forward(x, merged.w[idx], merged.b[idx], merged.a[idx], act, alpha)
        errs.append(float((out - ref).norm() / ref.norm()))
    k = next((i + 1 for i, e in enumerate(errs) if e <= tol), len(errs))
    return k, errs[k - 1], errs[-1]


def test_compressed_width_matches_a_naive_loop():
    g = torch.Generator().manual_seed(0)
    w, b = torch.randn(40, 1, generator=g, dtype=torch.float64), torch.randn(40, generator=g, dtype=torch.float64)
    a = torch.randn(40, generator=g, dtype=torch.float64) * torch.logspace(0, -4, 40, dtype=torch.float64)
    x = torch.linspace(-2, 2, 101, dtype=torch.float64)[:, None]
    full = two_layer_forward(x, w, b, a, torch.relu, 2.0)
    merged = merge_neurons(w, b, a, tol_angle=0.05)
    for tol in (0.3, 0.05, 1e-3, 1e-12):
        got = compressed_width(merged, x, torch.relu, full, alpha=2.0, tol=tol)
        want = _naive(merged, x, torch.relu, full, 2.0, tol)
        assert got[0] == want[0]
        np.testing.assert_allclose(got[1:], want[1:], rtol=1e-9, atol=1e-15)
    assert compressed_width(merged, x, torch.relu, torch.zeros(101, 1, dtype=torch.float64))[0] == 0
