"""History: concatenation of consecutive runs and slicing by step."""

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias import problems, train
from simbias.results import History


def _setup(seed=0):
    problem = problems.make_regression("sin(x) + sin(3*x)", n_train=40, n_test=60, dtype=torch.float64)
    m = snn.MLP(1, [10], 1, activation="tanh", generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return problem, m


def _rec():
    return train.Record(every=2, snapshot_every=3, probes=(train.TrainLoss(), train.Snapshots()))


def test_concat_of_two_halves_equals_the_whole_where_schedules_meet():
    problem, m = _setup()
    opt = torch.optim.SGD(m.parameters(), lr=1e-2, momentum=0.9)
    h1 = train.fit(m, problem, opt, steps=12, record=_rec())
    h2 = train.fit(m, problem, opt, steps=12, record=_rec())
    both = h1 + h2
    assert both.info["steps_done"] == 24
    np.testing.assert_array_equal(both.steps, np.r_[h1.steps, h2.steps[1:] + 12])
    assert both["train_loss"].shape == (len(both.steps),)
    np.testing.assert_array_equal(both["snapshot_steps"], np.r_[h1["snapshot_steps"], h2["snapshot_steps"][1:] + 12])
    assert both["output_test"].shape[0] == len(both["snapshot_steps"])
    np.testing.assert_array_equal(both["loss"], np.r_[h1["loss"], h2["loss"]])
    # equals one run of 24 steps with the same schedule (12 is a record and snapshot step)
    problem, m2 = _setup()
    whole = train.fit(m2, problem, torch.optim.SGD(m2.parameters(), lr=1e-2, momentum=0.9), steps=24,
                      record=train.Record(every=2, snapshot_every=3, probes=(train.TrainLoss(), train.Snapshots())))
    np.testing.assert_array_equal(both["loss"], whole["loss"])
    np.testing.assert_array_equal(both.steps, whole.steps)
    np.testing.assert_array_equal(both["train_loss"], whole["train_loss"])
    assert History.concat([h1]) is h1
    with pytest.raises(ValueError):
        History.concat([])


def test_slicing_until_and_select():
    problem, m = _setup()
    h = train.fit(m, problem, torch.optim.Adam(m.parameters(), lr=1e-2), steps=20, record=_rec())
    u = h.until(9)
    assert list(u.steps) == [0, 2, 4, 6, 8] and list(u["snapshot_steps"]) == [0, 3, 6, 9]
    assert len(u["loss"]) == 9 and u.info["steps_done"] == 9 and u["output_test"].shape[0] == 4
    np.testing.assert_array_equal(u["train_loss"], h["train_loss"][:5])
    s = h.select([0, 6, 12])
    assert list(s.steps) == [0, 6, 12] and list(s["snapshot_steps"]) == [0, 6, 12]
    np.testing.assert_array_equal(s["train_loss"], h["train_loss"][[0, 3, 6]])
    k = h[:3]
    assert list(k.steps) == [0, 2, 4] and list(k["snapshot_steps"]) == [0, 3]
    assert h["train_loss"] is h.arrays["train_loss"]  # names still index arrays


def test_ensemble_history_concat_and_until():
    problem, _ = _setup()
    ens = train.Ensemble([_setup(s)[1] for s in range(2)])
    opt = train.make_ensemble_optimizer("adam", ens, lr=1e-2)
    h1 = train.fit_ensemble(ens, problem, opt, steps=6, record=_rec())
    h2 = train.fit_ensemble(ens, problem, opt, steps=6, record=_rec())
    both = History.concat([h1, h2])
    assert both["train_loss"].shape == (2, len(both.steps)) and both["loss"].shape == (2, 12)
    assert both["output_test"].shape[:2] == (2, len(both["snapshot_steps"]))
    u = both.until(6)
    np.testing.assert_array_equal(u["train_loss"], h1["train_loss"])
    np.testing.assert_array_equal(u["loss"], h1["loss"])


def test_side_by_side_names_arrays_and_per_model_statics():
    from simbias.errors import Outcome

    steps = np.array([0, 5, 10])
    a = History(steps=steps, arrays={"err": np.array([3.0, 2.0, 1.0])},
                static={"loss": np.arange(10.0), "x": np.array([1.0]), "snapshot_steps": np.array([0, 10])},
                info={"wall_time_s": 1.0})
    b = History(steps=steps, arrays={"err": np.array([3.0, 1.0, np.inf])},
                static={"loss": np.arange(7.0), "x": np.array([2.0]), "snapshot_steps": np.array([0])},
                outcome=Outcome.DIVERGED, diverged_step=7, info={"diverged_loss": float("inf")})
    h = History.side_by_side({"a": a, "b": b}, {"grid": np.array([4.0])})
    assert set(h.arrays) == {"a/err", "b/err"} and h["b/err"] is b.arrays["err"]
    assert h["a/loss"].shape == (10,) and h["b/loss"].shape == (7,) and "loss" not in h.static
    assert h["x"].tolist() == [1.0] and h["grid"].tolist() == [4.0]  # shared: the first model's wins
    assert h["snapshot_steps"].tolist() == [0, 10] and h["b/snapshot_steps"].tolist() == [0]
    assert h["models"].tolist() == ["a", "b"] and h.info["a"] == {"wall_time_s": 1.0}
    assert h.diverged and h.diverged_step == 7 and h.info["diverged_loss"] == float("inf")
    assert h.steps is steps
