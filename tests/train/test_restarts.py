"""Restarts written once in train/: ``restart_builder`` (the ``build`` of ``fit_with_restarts``) and
``fit_ensemble_with_restarts`` (the batched form: failed members retrain together with half the rate).

The batched form must take the same restart decisions as one ``fit_with_restarts`` per model and end
with the same numbers within the float64 batched-vs-single tolerance of tests/helpers.py.
"""

import numpy as np
import pytest
import torch

from simbias import problems, train
from simbias.errors import InputError
from simbias.nn import TwoLayer

from helpers import REL

X = torch.linspace(-1, 1, 8, dtype=torch.float64)[:, None]
PROBLEM = problems.Regression(X, torch.sin(3 * X), torch.sin(3 * X), X, torch.sin(3 * X), None, False, "sin(3x)")


def _net(seed, width=40):
    return TwoLayer(1, width, init_t=0.25, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _stable(width=40):
    return train.resolve_lr("auto", _net(0, width), X)


def test_restart_builder_resets_the_model_and_gives_a_fresh_optimiser():
    net = _net(0)
    first = {k: v.clone() for k, v in net.state_dict().items()}
    build = train.restart_builder(net, "sgd", momentum=0.5)
    model, opt = build(0.1)
    train.fit(model, PROBLEM, opt, steps=5)
    assert not torch.equal(net.w, first["w"])
    again, opt2 = build(0.05)
    assert again is net and opt2 is not opt and opt2.param_groups[0]["lr"] == 0.05
    assert opt2.param_groups[0]["momentum"] == 0.5
    assert all(torch.equal(v, first[k]) for k, v in net.state_dict().items())


def test_restarts_of_a_builder_equal_a_plain_run_at_the_accepted_rate():
    lr = 64 * _stable()
    res = train.fit_with_restarts(train.restart_builder(_net(1), "sgd"), lr,
                                  lambda m, o: train.fit(m, PROBLEM, o, steps=100))
    assert res.restarts >= 1 and res.lr == lr / 2 ** res.restarts
    plain = train.fit(_net(1), PROBLEM, "sgd", lr=res.lr, steps=100)
    np.testing.assert_array_equal(res.history["loss"], plain["loss"])   # the same computation


def test_batched_restarts_take_the_per_model_decisions_and_numbers():
    stable = _stable()
    lrs = [stable, 64 * stable, 16 * stable]
    h = train.fit_ensemble_with_restarts([_net(s) for s in range(3)], PROBLEM, lrs, steps=150, max_restarts=10,
                                         check_every=50)
    for s, lr in enumerate(lrs):
        one = train.fit_with_restarts(train.restart_builder(_net(s), "sgd"), lr,
                                      lambda m, o: train.fit(m, PROBLEM, o, steps=150), max_restarts=10)
        assert h.static["restarts"][s] == one.restarts and h.static["lr"][s] == one.lr
        with torch.no_grad():
            mse = float(((one.model(X) - PROBLEM.y_train) ** 2).mean())
        assert abs(h.static["final_loss"][s] - mse) <= REL[torch.float64] * mse
    assert h.static["restarts"][0] == 0 and h.static["restarts"][1] >= 1 and not h.static["diverged"].any()
    done = h.static["steps_done"]   # every round of the one ensemble; a round whose members all rose stops early
    assert (done == done[0]).all() and 150 < done[0] <= 150 * (1 + h.static["restarts"].max())


def test_models_of_different_shapes_train_in_groups_and_stop_at_tol():
    nets = [_net(0, 20), _net(1, 40), _net(2, 20)]
    lrs = [_stable(20), _stable(40), _stable(20)]
    h = train.fit_ensemble_with_restarts(nets, PROBLEM, lrs, steps=3000, tol=1e-2, check_every=100, max_restarts=0)
    assert (h.static["final_loss"] < 1e-2).all() and (h.static["restarts"] == 0).all()
    assert h.static["steps_done"][0] == h.static["steps_done"][2] < 3000           # one ensemble of width 20
    assert h.static["steps_done"][1] % 100 == 0 and h.info["steps_done"] == h.static["steps_done"].max()
    with torch.no_grad():                                                        # the models end trained
        assert float(((nets[1](X) - PROBLEM.y_train) ** 2).mean()) == pytest.approx(h.static["final_loss"][1])


def test_without_restarts_a_diverging_member_is_reported_and_the_others_train_on():
    def linear(seed):   # GD on a linear model diverges above 2/λ_max
        return TwoLayer(1, 40, activation="identity", init_t=0.25, generator=torch.Generator().manual_seed(seed),
                        dtype=torch.float64)

    stable = train.resolve_lr("auto", linear(0), X)
    h = train.fit_ensemble_with_restarts([linear(0), linear(1)], PROBLEM, [stable, 100 * stable], steps=200,
                                         max_restarts=0)
    assert h.static["diverged"].tolist() == [False, True] and h.static["restarts"].tolist() == [0, 0]
    assert np.isfinite(h.static["final_loss"][0]) and h.static["lr"].tolist() == [stable, 100 * stable]
    again = train.fit_ensemble_with_restarts([linear(0), linear(1)], PROBLEM, [stable, 100 * stable], steps=200)
    assert not again.static["diverged"].any() and again.static["restarts"][1] >= 1   # restarts rescue it
    with pytest.raises(InputError, match="train.max_restarts"):
        train.fit_ensemble_with_restarts([linear(0)], PROBLEM, stable, steps=5, max_restarts=-1)
