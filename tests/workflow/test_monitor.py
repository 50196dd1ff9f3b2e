"""Monitor: the probes in a plain loop give the same Δ_F history as train.fit; it writes a run dir."""

import copy

import numpy as np
import pytest
import torch

import simbias
from simbias import nn, problems, train
from simbias.errors import InputError
from tests.helpers import TOL


def _setup(seed=0):
    prob = problems.make_regression("sin(x)+0.5*sin(3*x)", n_train=61, n_test=200)
    g = torch.Generator().manual_seed(seed)
    model = nn.MLP(1, [64, 64], 1, activation="tanh", generator=g)
    return prob, model


def _plain_loop(model, prob, steps, monitor):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for s in range(steps):
        monitor.step(s)
        opt.zero_grad()
        loss = ((model(prob.x_train) - prob.y_train) ** 2).mean()
        loss.backward()
        opt.step()
    return opt


def test_monitor_matches_fit_peak_error(tmp_path):
    prob, model = _setup()
    m2 = copy.deepcopy(model)
    steps = 60
    hist = train.fit(model, prob, torch.optim.Adam(model.parameters(), lr=1e-3), steps=steps,
                     record=train.Record(every=5, probes=(train.PeakError(),)))
    mon = simbias.Monitor(m2, (prob.x_train, prob.y_train), probes=["peak_error"], every=5)
    assert mon.problem.uniform
    _plain_loop(m2, prob, steps, mon)
    out = mon.finish(tmp_path / "mon", step=steps)
    np.testing.assert_array_equal(mon.history().steps, hist.steps)
    tol = TOL[torch.float32]
    np.testing.assert_allclose(mon.history()["peak_error"], hist["peak_error"], rtol=tol["rtol"] * 10, atol=tol["atol"])
    np.testing.assert_array_equal(mon.static["peaks"], hist.static["peaks"])
    run = simbias.load(out)
    assert isinstance(run, simbias.Run) and run.experiment == "monitor" and run.outcome == "completed"
    np.testing.assert_array_equal(run.history["peak_error"], mon.history()["peak_error"])
    assert (out / "report.html").exists() and any(p.name == "peak_error.png" for p in run.figures)
    df = run.history.to_pandas("wide")
    assert list(df["step"]) == list(hist.steps)
    assert df.filter(like="peak_error[").shape[1] == len(hist.static["peaks"])


def test_monitor_probe_names_and_callables(tmp_path):
    prob, model = _setup(1)
    calls = []

    def weight_norm(m, p):
        calls.append(1)
        return sum(float(t.norm() ** 2) for t in m.parameters()) ** 0.5

    mon = simbias.Monitor(model, (prob.x_train, prob.y_train), every=2, snapshot_every=4,
                          probes=["loss", "peak_error", "projection", "filtering", "condensation", weight_norm],
                          settings={"optimizer": "sgd", "lr": 0.05}, name="probe zoo")
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for s in range(9):
        mon.step(s, loss=0.1)
        opt.zero_grad()
        ((model(prob.x_train) - prob.y_train) ** 2).mean().backward()
        opt.step()
    out = mon.finish(tmp_path / "zoo", step=9)
    h = simbias.load(out).history
    assert list(h.steps) == [0, 2, 4, 6, 8, 9]
    assert list(h.static["snapshot_steps"]) == [0, 4, 8, 9]
    assert h["e_low"].shape == (4, len(h.static["filter_deltas"]))
    assert h["effective_width"].shape == (4,) and len(calls) == 4
    assert h["train_loss"][-1] < h["train_loss"][0]
    long = h.to_pandas("long")
    assert set(long["name"]) >= {"train_loss", "peak_error", "projection_error", "e_low", "e_high", "weight_norm"}
    assert "loss" in long["name"].values  # the loss passed to step at record steps


def test_monitor_bad_input():
    prob, model = _setup()
    with pytest.raises(InputError, match="probes"):
        simbias.Monitor(model, (prob.x_train, prob.y_train), probes=["nope"])
    with pytest.raises(InputError, match="data"):
        simbias.Monitor(model, (prob.x_train, prob.y_train[:5]))
    mon = simbias.Monitor(model, (prob.x_train, prob.y_train))
    mon.step(3)
    with pytest.raises(InputError, match="step"):
        mon.step(3)


def test_simbias_report_rebuilds_a_monitor_directory(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    prob, model = _setup(2)
    mon = simbias.Monitor(model, (prob.x_train, prob.y_train), probes=["loss", "peak_error"], every=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for s in range(6):
        mon.step(s)
        opt.zero_grad()
        ((model(prob.x_train) - prob.y_train) ** 2).mean().backward()
        opt.step()
    out = mon.finish(tmp_path / "m", step=6, figures=False)
    assert not (out / "report.html").exists()
    src = str(Path(simbias.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-m", "simbias", "report", str(out)], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert (out / "report.html").exists() and (out / "figures" / "peak_error.png").exists()
