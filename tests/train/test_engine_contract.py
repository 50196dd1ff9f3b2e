"""One engine contract: fit and fit_ensemble share a signature, a stop predicate and on_record."""

import inspect

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias import problems, train
from simbias.errors import DivergenceError, InputError


def _problem(dtype=torch.float32):
    return problems.make_regression("sin(x) + sin(3*x)", n_train=40, n_test=60, dtype=dtype)


def _mlp(seed, dtype=torch.float32):
    return snn.MLP(1, [10, 10], 1, activation="tanh", generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_fit_and_fit_ensemble_share_one_signature():
    a = list(inspect.signature(train.fit).parameters)
    b = list(inspect.signature(train.fit_ensemble).parameters)
    shared = ["problem", "optimizer", "steps", "loss", "derivative_weight", "batch_size", "record", "stop", "on_record",
              "on_step", "progress", "lr_decay", "checkpoint_every", "on_checkpoint", "resume", "generator", "lr",
              "optimizer_options"]
    assert a[1:len(shared) + 1] == shared and b[1:len(shared) + 1] == shared


def test_stop_ends_fit_at_the_record_step_and_equals_a_shorter_run():
    problem = _problem()
    seen = []

    def stop(step, values):
        seen.append(step)
        assert values["losses"].shape == (step,)
        return float(values["train_loss"]) < 0.3

    m = _mlp(0)
    rec = train.Record(every=5, snapshot_every=10, probes=(train.TrainLoss(), train.Snapshots()))
    h = train.fit(m, problem, "adam", lr=1e-2, steps=400, record=rec, stop=stop)
    s = h.info["steps_done"]
    assert h.info["stopped_early"] and s == seen[-1] and s % 5 == 0 and 0 < s < 400
    assert h.steps[-1] == s and h["train_loss"][-1] < 0.3 and np.all(h["train_loss"][:-1] >= 0.3)
    assert len(h["loss"]) == s and h["output_test"].shape[0] == len(h["snapshot_steps"])
    assert list(h.steps) == sorted(set(h.steps))  # the stop step is recorded once
    # the same as training exactly s steps without a stop
    m2 = _mlp(0)
    h2 = train.fit(m2, problem, "adam", lr=1e-2, steps=s, record=train.Record(every=5, probes=(train.TrainLoss(),)))
    np.testing.assert_array_equal(h["loss"], h2["loss"])
    np.testing.assert_array_equal(h["train_loss"], h2["train_loss"])
    for p, q in zip(m.parameters(), m2.parameters()):
        assert torch.equal(p, q)


def test_stop_ends_the_ensemble_for_all_members():
    problem = _problem()
    calls = []

    def stop(step, values):
        calls.append(values["train_loss"].shape)
        assert values["losses"].shape == (3, step)
        return bool((values["train_loss"] < 0.3).all())

    h = train.fit_ensemble([_mlp(s) for s in range(3)], problem, "adam", lr=1e-2, steps=400,
                           record=train.Record(every=5, probes=(train.TrainLoss(),)), stop=stop)
    s = h.info["steps_done"]
    assert calls[0] == (3,) and h.info["stopped_early"] and 0 < s < 400 and s % 5 == 0
    assert h["train_loss"].shape == (3, len(h.steps)) and h.steps[-1] == s and h.static["loss"].shape == (3, s)
    assert np.all(h["train_loss"][:, -1] < 0.3)


def test_on_record_sees_every_record_and_on_step_every_update():
    problem = _problem()
    rec_steps, upd = [], []
    h = train.fit(_mlp(1), problem, "sgd", lr=1e-2, steps=12, record=train.Record(every=4, probes=(train.TrainLoss(),)),
                  on_record=lambda s, v: rec_steps.append(s), on_step=upd.append)
    assert rec_steps == list(h.steps) == [0, 4, 8, 12] and upd == list(range(12))


def test_fit_divergence_is_an_outcome_and_one_exception():
    problem = _problem(torch.float64)
    m = snn.MLP(1, [10], 1, activation="tanh", generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    h = train.fit(m, problem, "sgd", lr=1e5, steps=30, record=train.Record(every=1, probes=(train.TrainLoss(),)))
    assert h.diverged and h.diverged_step is not None
    e = h.divergence_error("lower train.lr_factor", summary={"a": 1.0})
    with pytest.raises(DivergenceError, match=r"lower train\.lr_factor$"):
        raise e
    assert e.summary == {"a": 1.0} and e.history is h
    assert DivergenceError(3, 1.0).summary == {} and DivergenceError(3, 1.0).history is None


def test_bad_engine_arguments_are_input_errors():
    problem = _problem()
    with pytest.raises(InputError, match="batch_size"):
        train.fit_ensemble([_mlp(0), _mlp(1)], problem, "adam", lr=1e-3, steps=3, batch_size=4)
    with pytest.raises(InputError, match="stop"):
        train.fit(_mlp(0), problem, "adam", lr=1e-3, steps=3, stop=3)
    with pytest.raises(InputError, match="lr"):
        train.fit(_mlp(0), problem, "adam", steps=3)


def test_fit_stages_equals_one_long_run():
    problem = _problem()
    m1, m2 = _mlp(2), _mlp(2)
    o1 = torch.optim.Adam(m1.parameters(), lr=1e-2)
    o2 = torch.optim.Adam(m2.parameters(), lr=1e-2)
    rec = lambda k: train.Record(every=None, snapshot_every=k, probes=(train.TrainLoss(),))  # noqa: E731
    one = train.fit(m1, problem, o1, steps=50, record=train.Record(every=10, probes=(train.TrainLoss(),)))
    staged = train.fit_stages(m2, problem, o2, steps=50, stage_steps=10, record=rec)
    assert staged.info["stages"] == 5 and staged.info["steps_done"] == 50
    np.testing.assert_array_equal(staged.steps, one.steps)
    np.testing.assert_array_equal(staged["train_loss"], one["train_loss"])
    np.testing.assert_array_equal(staged["loss"], one["loss"])
    # `until` ends after a stage
    m3 = _mlp(2)
    o3 = torch.optim.Adam(m3.parameters(), lr=1e-2)
    short = train.fit_stages(m3, problem, o3, steps=50, stage_steps=10, record=rec, until=lambda h: h.steps[-1] >= 20)
    assert short.info["stopped_early"] and short.info["steps_done"] == 20
    np.testing.assert_array_equal(short["loss"], one["loss"][:20])


def test_the_ensemble_reads_the_models_own_description():
    """No class checks: a model that describes its dense layers gets the dense kernels, one that
    declines (dense_plan() -> None) goes through torch.func; both train to the same numbers."""

    class OwnNet(torch.nn.Module):  # not a simbias class
        def __init__(self, seed):
            super().__init__()
            g = torch.Generator().manual_seed(seed)
            self.hidden = torch.nn.Linear(1, 8)
            self.out = torch.nn.Linear(8, 1)
            for lin in (self.hidden, self.out):
                snn.init_parameters_(lin, "xavier", generator=g)

        def forward(self, x):
            return self.out(torch.tanh(self.hidden(x)))

        def dense_plan(self):
            return snn.DensePlan((snn.DenseLayer("hidden.weight", "hidden.bias", True, False, True),
                                  snn.DenseLayer("out.weight", "out.bias", True, False, True)), torch.tanh, "tanh")

    class Declines(OwnNet):
        def dense_plan(self):
            return None

    problem = _problem()
    plan = snn.MLP(1, [8], 1).dense_plan()
    assert [layer.weight for layer in plan.layers] == ["layers.0.weight", "layers.1.weight"]
    assert snn.TwoLayer(1, 8).dense_plan().output_divisor == "alpha"
    hs = {}
    for cls in (OwnNet, Declines):
        hs[cls] = train.fit_ensemble([cls(0), cls(1)], problem, "sgd", lr=1e-2, steps=20,
                                     record=train.Record(every=5, probes=(train.TrainLoss(),)))
    assert hs[OwnNet].info["kernel"] == "dense" and hs[Declines].info["kernel"] == "vmap"
    np.testing.assert_allclose(hs[OwnNet]["train_loss"], hs[Declines]["train_loss"], rtol=1e-5)


def test_divergence_error_pickles_whole():
    import pickle

    e = DivergenceError(3, float("nan"), "lower train.lr_factor", summary={"a": 1.0})
    f = pickle.loads(pickle.dumps(e))
    assert str(f) == str(e) and f.summary == {"a": 1.0} and f.step == 3
