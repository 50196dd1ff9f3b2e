import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias import spectral
from simbias.errors import DivergenceError, InputError
from simbias.problems import make_regression
from simbias.train import PeakError, Record, Snapshots, TestError, TrainLoss, fit, make_optimizer, schedule_steps


def setup(seed=0, dtype=torch.float64, **kw):
    problem = make_regression("sin(x) + sin(3*x)", n_train=64, dtype=dtype, **kw)
    model = snn.MLP(1, [16, 16], activation="tanh", init="std", init_std=0.5,
                    generator=torch.Generator().manual_seed(seed), dtype=dtype)
    return problem, model


def test_probes_reuse_matches_fresh_evaluation(f64):
    """Full-batch probes reuse the training forward; it must equal evaluating the state afresh."""
    problem, model = setup()
    opt = make_optimizer("adam", model.parameters(), lr=1e-2)
    seen = {}

    def on_record(step, values):
        if "peak_error" in values:
            seen[step] = values["peak_error"].clone()

    rec = Record(every=5, probes=(TrainLoss(), PeakError()))
    h = fit(model, problem, opt, steps=20, record=rec, on_record=on_record)
    assert list(h.steps) == [0, 5, 10, 15, 20]
    # replay with a fresh model and the same seed, checking the state at each record step directly
    problem2, model2 = setup()
    opt2 = make_optimizer("adam", model2.parameters(), lr=1e-2)
    peaks = torch.as_tensor(h["peaks"])
    for step in range(21):
        if step in seen:
            with torch.no_grad():
                out = model2(problem2.x_train)[:, 0]
            want = spectral.frequency_error(spectral.dft(out)[peaks], spectral.dft(problem2.y_train[:, 0])[peaks])
            torch.testing.assert_close(seen[step], want, rtol=1e-10, atol=1e-12)
        if step < 20:
            opt2.zero_grad()
            ((model2(problem2.x_train) - problem2.y_train) ** 2).mean().backward()
            opt2.step()


def test_loss_per_step_and_snapshot_schedule(f64):
    problem, model = setup()
    h = fit(model, problem, make_optimizer("sgd", model.parameters(), lr=1e-2), steps=30,
            record=Record(every=10, snapshot_every=15, probes=(TrainLoss(), TestError(), Snapshots())))
    assert h["loss"].shape == (30,)
    assert list(h["snapshot_steps"]) == [0, 15, 30]
    assert h["output_test"].shape == (3, problem.x_test.shape[0])
    assert h["train_loss"][0] == pytest.approx(h["loss"][0])


def test_same_seed_same_numbers():
    arrays = []
    for _ in range(2):
        problem, model = setup(dtype=torch.float32)
        h = fit(model, problem, make_optimizer("adam", model.parameters(), lr=1e-2), steps=25,
                record=Record(every=1, probes=(TrainLoss(), PeakError(), Snapshots())))
        arrays.append(h.to_npz_dict())
    assert arrays[0].keys() == arrays[1].keys()
    for k in arrays[0]:
        np.testing.assert_array_equal(arrays[0][k], arrays[1][k])


def test_divergence_names_the_step(f64):
    problem, model = setup()
    h = fit(model, problem, make_optimizer("sgd", model.parameters(), lr=1e6), steps=50,
            record=Record(every=1, probes=(TrainLoss(),)))
    assert h.diverged and str(h.outcome) == "diverged"
    exc = h.divergence_error("lower train.lr please", summary={"x": 1})
    assert isinstance(exc, DivergenceError) and exc.history is h and exc.summary == {"x": 1}
    assert 0 < exc.step < 50 and str(exc).endswith("lower train.lr please")
    assert not np.isfinite(exc.loss)
    exc.hint = "changed"  # the message is built when read
    assert str(exc).endswith("changed")
    assert np.isfinite(h["loss"]).all() and len(h["loss"]) == exc.step
    assert len(h["train_loss"]) == len(h.steps) and np.isfinite(h["train_loss"]).all()


def test_minibatch_and_derivative_loss_train(f64):
    problem, model = setup()
    g = torch.Generator().manual_seed(1)
    h = fit(model, problem, make_optimizer("adam", model.parameters(), lr=1e-2), steps=60, batch_size=16,
            loss="mse+derivative", generator=g, record=Record(every=20, probes=(TrainLoss(),)))
    assert h["train_loss"][-1] < h["train_loss"][0]


def test_bad_inputs():
    problem, model = setup()
    opt = make_optimizer("adam", model.parameters(), lr=1e-3)
    with pytest.raises(InputError, match="train.loss"):
        fit(model, problem, opt, steps=1, loss="l1")
    with pytest.raises(InputError, match="train.optimizer"):
        make_optimizer("rmsprop9", model.parameters(), lr=1e-3)
    with pytest.raises(InputError, match="record.every"):
        Record(every=0)
    with pytest.raises(InputError, match="problem.sampler"):
        fit(model, make_regression("sin(x)", sampler="random", n_train=20), opt, steps=1,
            record=Record(probes=(PeakError(),)))


def test_schedule_steps():
    assert list(schedule_steps(10, every=4)) == [0, 4, 8, 10]
    s = schedule_steps(1000, every=None, log_points=5)
    assert s[0] == 0 and s[-1] == 1000 and len(s) >= 5 and np.all(np.diff(s) > 0)


@pytest.mark.parametrize("kind", ["complex", "magnitude"])
def test_peak_error_probe_matches_spectral_oracle(kind, f64):
    from simbias.train import RecordContext

    problem, model = setup()
    probe = PeakError(kind=kind)
    static = probe.setup(model, problem)
    out = torch.randn(3, problem.x_train.shape[0], 1, generator=torch.Generator().manual_seed(0))
    got = probe(RecordContext(0, model, problem, train_output=out))["peak_error"]
    peaks = torch.as_tensor(static["peaks"])
    want = spectral.frequency_error(spectral.dft(out[..., 0], dim=-1)[..., peaks],
                                    spectral.dft(problem.y_train[:, 0])[peaks], kind=kind)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
