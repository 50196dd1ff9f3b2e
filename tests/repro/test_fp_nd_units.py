"""Building blocks of the Frequency Principle beyond 1-D: cross-entropy and early stop in ``fit``,
and the probes against the spectral functions they wrap (float64, exact up to rounding)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias import spectral
from simbias.errors import InputError
from simbias.problems import image_to_regression, load_digits, make_regression, pattern_image
from simbias.train import (Accuracy, BandError, DiagonalSpectrum, EffectiveTargetLFR, FilterError, ProjectionError,
                           ProjectionSpectrum, Record, RecordContext, SupervisedLoss, choose_deltas, fit,
                           make_optimizer, target_matrix)

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI


def digits(n=300, dtype=torch.float64):
    ds = load_digits(n=n, dtype=dtype)
    return SimpleNamespace(x_train=ds.x, y_train=ds.y, n_classes=10)


def test_cross_entropy_fit_learns_digits():
    problem = digits(dtype=torch.float32)
    model = snn.MLP(64, [64], 10, activation="tanh", init="xavier", generator=torch.Generator().manual_seed(0))
    h = fit(model, problem, make_optimizer("adam", model.parameters(), lr=1e-2), steps=60, loss="cross_entropy",
            record=Record(every=10, probes=(SupervisedLoss("cross_entropy"), Accuracy())))
    with torch.no_grad():
        want = torch.nn.functional.cross_entropy(model(problem.x_train), problem.y_train)
    assert h["train_loss"][-1] == pytest.approx(float(want), rel=1e-5)
    assert h["loss"][0] == pytest.approx(math.log(10), rel=0.1) and h["loss"][-1] < 0.3
    assert h["train_accuracy"][0] < 0.3 and h["train_accuracy"][-1] > 0.95


def test_cross_entropy_needs_labels_and_accepts_probabilities():
    reg = make_regression("sin(x)", n_train=20)
    model = snn.MLP(1, [4], 1, generator=torch.Generator().manual_seed(0))
    with pytest.raises(InputError, match="train.loss"):
        fit(model, reg, make_optimizer("sgd", model.parameters(), lr=0.1), steps=1, loss="cross_entropy")
    problem = digits(50, dtype=torch.float32)
    soft = SimpleNamespace(x_train=problem.x_train, y_train=target_matrix(problem.y_train, 10, dtype=torch.float32))
    m1 = snn.MLP(64, [8], 10, init="xavier", generator=torch.Generator().manual_seed(1))
    m2 = snn.MLP(64, [8], 10, init="xavier", generator=torch.Generator().manual_seed(1))
    h1 = fit(m1, problem, make_optimizer("sgd", m1.parameters(), lr=0.1), steps=5, loss="cross_entropy")
    h2 = fit(m2, soft, make_optimizer("sgd", m2.parameters(), lr=0.1), steps=5, loss="cross_entropy")
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)  # one-hot probabilities == labels


def test_stop_loss_ends_the_history_at_the_state_that_follows(f64):
    problem = make_regression("sin(x)", n_train=30)
    model = snn.MLP(1, [16], 1, init="std", init_std=0.5, generator=torch.Generator().manual_seed(0))
    h = fit(model, problem, make_optimizer("adam", model.parameters(), lr=1e-2), steps=2000, stop_loss=1e-2,
            record=Record(every=7, snapshot_every=50, probes=(SupervisedLoss(),)))
    s = int(np.nonzero(h["loss"] <= 1e-2)[0][0])
    assert h.info["stopped_early"] and h.info["steps_done"] == s + 1 == len(h["loss"])
    assert h.steps[-1] == s + 1 and np.all(np.diff(h.steps) > 0) and len(h["train_loss"]) == len(h.steps)
    assert h["snapshot_steps"][-1] == s + 1
    with torch.no_grad():
        assert float(((model(problem.x_train) - problem.y_train) ** 2).mean()) == pytest.approx(h["train_loss"][-1])


def ctx_for(problem, model):
    with torch.no_grad():
        return RecordContext(0, model, problem, model(problem.x_train))


def test_projection_probe_matches_the_nudft_along_the_first_component(f64):
    problem = digits()
    model = snn.MLP(64, [16], 10, init="xavier", generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    pe = ProjectionError(component=4, k_max=3.0, n_k=61, rel_floor=0.05)
    static = pe.setup(model, problem)
    p = spectral.first_principal_component(problem.x_train)
    np.testing.assert_allclose(static["projection_direction"], p.numpy(), rtol=1e-12)
    y4 = (problem.y_train == 4).double()
    k = torch.linspace(0, 3.0, 61, dtype=torch.float64)
    want_t = spectral.nudft_along(problem.x_train, y4, p, k).abs()
    np.testing.assert_allclose(static["projection_target_spectrum"], want_t.numpy(), rtol=1e-10, atol=1e-14)
    assert static["projection_peaks"][0] == 0 and len(static["projection_peaks"]) >= 2  # k = 0 admitted (authors' code)
    ctx = ctx_for(problem, model)
    got = pe(ctx)["projection_error"]
    h4 = torch.softmax(ctx.train_output, -1)[:, 4]
    kp = torch.as_tensor(static["projection_frequencies"])
    want = spectral.frequency_error(spectral.nudft_along(problem.x_train, h4, p, kp),
                                    spectral.nudft_along(problem.x_train, y4, p, kp))
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    spec = ProjectionSpectrum(pe)
    spec.setup(model, problem)
    torch.testing.assert_close(spec(ctx)["projection_spectrum"], spectral.nudft_along(problem.x_train, h4, p, k).abs(),
                               rtol=1e-10, atol=1e-12)


def test_projection_probe_bad_direction_and_component():
    problem = digits(50)
    model = snn.MLP(64, [4], 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with pytest.raises(InputError, match="record.direction") as err:
        ProjectionError(direction=[1.0, 0.0, 0.0]).setup(model, problem)
    assert "64" in str(err.value)
    with pytest.raises(InputError, match="record.component"):
        ProjectionError(component=12).setup(model, problem)


def test_filter_probe_matches_filter_errors_on_softmax_outputs(f64):
    problem = digits(200)
    model = snn.MLP(64, [16], 10, init="xavier", generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    probe = FilterError([0.5, 1.0, 2.0])
    static = probe.setup(model, problem)
    y = target_matrix(problem.y_train, 10)
    torch.testing.assert_close(torch.as_tensor(static["low_energy_share"]),
                               spectral.low_frequency_ratio(problem.x_train, y, [0.5, 1.0, 2.0]))
    ctx = ctx_for(problem, model)
    got = probe(ctx)
    lo, hi = spectral.filter_errors(problem.x_train, y, torch.softmax(ctx.train_output, -1), deltas=[0.5, 1.0, 2.0])
    torch.testing.assert_close(got["e_low"], lo)
    torch.testing.assert_close(got["e_high"], hi)
    for bad in ([0.0, 1.0], [-2.0], []):
        with pytest.raises(InputError, match="record.deltas"):
            FilterError(bad)


def test_choose_deltas_hits_the_energy_shares(f64):
    problem = digits(300)
    y = target_matrix(problem.y_train, 10)
    deltas, share = choose_deltas(problem.x_train, y, (0.8, 0.5, 0.3))
    assert deltas == sorted(deltas) and len(deltas) == 3
    np.testing.assert_allclose(share, [0.8, 0.5, 0.3], atol=0.05)


def test_band_probe_matches_band_errors_on_the_training_grid(f64):
    ir = image_to_regression(pattern_image(16), holdout="columns")
    problem = ir.as_regression()
    model = snn.MLP(2, [16], 1, init="std", init_std=1.0, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    probe = BandError((16, 8), 4)
    static = probe.setup(model, problem)
    assert static["band_counts"].sum() == 16 * 8
    ctx = ctx_for(problem, model)
    want = spectral.band_errors(ctx.train_output[:, 0].reshape(16, 8), problem.y_train[:, 0].reshape(16, 8), 4)
    torch.testing.assert_close(probe(ctx)["band_error"], want)
    with pytest.raises(InputError, match="shape"):
        BandError((16, 16), 4).setup(model, problem)


def test_diagonal_spectrum_of_parity_is_sin_to_the_n(f64):
    n = 8
    idx = torch.arange(2**n)
    x = (2 * ((idx[:, None] >> torch.arange(n)) & 1) - 1).double()
    y = x.prod(1, keepdim=True)
    problem = SimpleNamespace(x_train=x[:50], y_train=y[:50], x_test=x, y_test=y)

    class Parity(torch.nn.Module):
        def forward(self, z):
            return z.prod(1, keepdim=True)

    probe = DiagonalSpectrum(n_kappa=33)
    static = probe.setup(Parity(), problem)
    np.testing.assert_allclose(static["target_spectrum"], static["parity_spectrum"], atol=1e-12)
    got = probe(RecordContext(0, Parity(), problem))["diagonal_spectrum"]
    np.testing.assert_allclose(got.numpy(), np.abs(np.sin(static["kappa"])) ** n, atol=1e-12)
    assert got[-1] == pytest.approx(1.0)


def test_effective_lfr_of_each_layer_mlp_and_cnn(f64):
    problem = digits(120)
    y = target_matrix(problem.y_train, 10)
    mlp = snn.MLP(64, [12, 12], 10, init="xavier", generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    probe = EffectiveTargetLFR([0.01, 0.1])
    assert list(probe.setup(mlp, problem)["lfr_layers"]) == [0, 1, 2]
    got = probe(RecordContext(0, mlp, problem))["effective_lfr"]
    assert got.shape == (3, 2)
    want0 = spectral.low_frequency_ratio(problem.x_train, y, [0.01, 0.1], scale="rms_distance")
    torch.testing.assert_close(got[0], want0)
    with torch.no_grad():
        h2 = mlp.hidden(problem.x_train)[1]
    torch.testing.assert_close(got[2], spectral.low_frequency_ratio(h2, y, [0.01, 0.1], scale="rms_distance"))
    cnn = snn.CNN((1, 8, 8), 10, channels=(4, 4), hidden=(8,), generator=torch.Generator().manual_seed(0),
                  dtype=torch.float64)
    probe = EffectiveTargetLFR([0.1])
    assert list(probe.setup(cnn, problem)["lfr_layers"]) == [0, 1, 2, 3]
    assert probe(RecordContext(0, cnn, problem))["effective_lfr"].shape == (4, 1)
    with pytest.raises(InputError, match="hidden"):
        EffectiveTargetLFR([0.1]).setup(torch.nn.Linear(64, 10), problem)
