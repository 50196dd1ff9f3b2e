"""train.TwoLayerParams (parameter snapshots) and train.fit_backtracking (restarts, early stop)."""

import numpy as np
import torch

from simbias.nn import TwoLayer
from simbias.problems import make_regression
from simbias.train import Ensemble, Record, Snapshots, TwoLayerParams, fit, fit_backtracking, fit_ensemble


def _net(seed=0, width=20, **kw):
    return TwoLayer(1, width, generator=torch.Generator().manual_seed(seed), dtype=torch.float64, **kw)


def _prob():
    return make_regression("sin(3*x)", domain=(-1.0, 1.0), n_train=16, n_test=32, dtype=torch.float64)


def test_params_probe_records_the_weights_at_every_snapshot():
    net, prob = _net(), _prob()
    w0 = net.w.detach().clone()
    h = fit(net, prob, "sgd", lr=0.05, steps=6, record=Record(every=None, snapshot_every=3, probes=(TwoLayerParams(),)))
    assert h["param_w"].shape == (3, 20, 1) and h["param_b"].shape == (3, 20) and h["param_a"].shape == (3, 20)
    np.testing.assert_array_equal(h["param_w"][0], w0.numpy())
    np.testing.assert_array_equal(h["param_a"][-1], net.a.detach().numpy())


def test_params_probe_without_bias_and_inside_an_ensemble():
    h = fit(_net(bias=False), _prob(), "sgd", lr=0.05, steps=2,
            record=Record(every=None, snapshot_every=1, probes=(TwoLayerParams(),)))
    assert "param_b" not in h and h["param_w"].shape == (3, 20, 1)
    nets = [_net(0), _net(1)]
    hist = fit_ensemble(Ensemble(nets), _prob(), "sgd", lr=0.05, steps=2,
                        record=Record(every=None, snapshot_every=2, probes=(TwoLayerParams(),)))
    assert hist["param_w"].shape[:2] == (2, 2)   # member axis first


def test_restarts_halve_the_rate_as_fit_with_restarts_does():
    net = _net()
    start = {k: v.clone() for k, v in net.state_dict().items()}
    h = fit_backtracking(net, _prob(), "sgd", 50.0, steps=30, max_restarts=20)
    assert h.info["restarts"] >= 1 and h.info["lr"] == 50.0 / 2 ** h.info["restarts"]
    # the accepted run equals a plain run from the same initialisation at that rate
    ref = _net()
    ref.load_state_dict(start)
    plain = fit(ref, _prob(), "sgd", lr=h.info["lr"], steps=30)
    np.testing.assert_array_equal(h.static["loss"], plain.static["loss"])
    assert torch.equal(net.w, ref.w)
    assert np.all(np.diff(h.static["loss"]) <= 1e-4 * h.static["loss"][:-1])


def test_no_restarts_without_max_restarts():
    h = fit_backtracking(_net(), _prob(), "sgd", 50.0, steps=10)
    assert h.info["restarts"] == 0 and h.info["lr"] == 50.0


def test_early_stop_ends_after_the_first_stage_below_the_ratio():
    net, prob = _net(), _prob()
    h = fit_backtracking(net, prob, "sgd", 0.02, steps=2000, stop_loss_ratio=0.05, stage_steps=5,
                         record=lambda k: Record(every=None, snapshot_every=k, probes=(Snapshots(),)))
    loss = h.static["loss"]   # loss[k]: the loss after k updates
    n = len(loss)
    assert h.info["stopped_early"] and n % 5 == 0 and 5 < n < 2000
    with torch.no_grad():
        final = float(((net(prob.x_train) - prob.y_train) ** 2).mean())
    assert final < 0.05 * loss[0]
    assert loss[n - 5] >= 0.05 * loss[0]   # at the end of the stage before it had not got there
