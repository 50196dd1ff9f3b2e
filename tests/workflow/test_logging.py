"""--log tensorboard / mlflow: read back with TensorBoard's EventAccumulator and MlflowClient."""

import numpy as np
import pytest

import simbias
from simbias.cli import main

QUICK = ["--set", "model.widths=[12]", "--set", "train.steps=40", "--set", "problem.n_train=64",
         "--set", "problem.n_test=100", "--set", "record.snapshot_every=10", "--quiet", "--no-figures"]


pytest.importorskip("tensorboard")
pytest.importorskip("mlflow")


def _tb_scalars(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    acc.Reload()
    return acc, {t: acc.Scalars(t) for t in acc.Tags()["scalars"]}


def test_run_log_tensorboard_and_mlflow(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "fprinciple-1d", *QUICK, "--out", str(out), "--log", "tensorboard", "--log", "mlflow"]) == 0
    h = simbias.load(out).history
    n_rec = len(h.steps)
    n_peaks = h["peak_error"].shape[1]
    _, sc = _tb_scalars(out / "tensorboard")
    assert [e.step for e in sc["train_loss"]] == list(h.steps)
    for i in range(n_peaks):
        vals = [e.value for e in sc[f"peak_error/{i}"]]
        np.testing.assert_allclose(vals, h["peak_error"][:, i], rtol=1e-6)
    assert len(sc["test_error"]) == len(h.static["snapshot_steps"])

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=(out / "mlruns").resolve().as_uri())
    exp = client.get_experiment_by_name("fprinciple-1d")
    (r,) = client.search_runs([exp.experiment_id])
    hist = client.get_metric_history(r.info.run_id, "peak_error/0")
    assert sorted(m.step for m in hist) == list(h.steps) and len(hist) == n_rec
    assert r.data.params["train.steps"] == "40" and r.info.status == "FINISHED"
    assert "summary.final_train_loss" in r.data.metrics


def test_sweep_log_groups_members(tmp_path):
    out = tmp_path / "sw"
    assert main(["sweep", "fprinciple-1d", *QUICK[:-1], "--grid", "train.lr=1e-3,3e-3", "--out", str(out),
                 "--log", "mlflow", "--log", "tensorboard"]) == 0
    sw = simbias.load(out)
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=(out / "mlruns").resolve().as_uri())
    runs = client.search_runs([client.get_experiment_by_name(out.name).experiment_id])
    assert sorted(r.data.tags["simbias.member"] for r in runs) == sorted(m.path.name for m in sw.members)
    for m in sw.members:
        _, sc = _tb_scalars(out / "tensorboard" / m.path.name)
        assert [e.step for e in sc["train_loss"]] == list(m.history.steps)


@pytest.mark.parametrize("flag,msg", [("wandb", "--log: unknown sink 'wandb'"),
                                      ("tensorboard=x", "tensorboard takes no argument")])
def test_bad_log_flag(tmp_path, capsys, flag, msg):
    out = tmp_path / "bad"
    assert main(["run", "fprinciple-1d", *QUICK, "--out", str(out), "--log", flag]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1 and not out.exists()


def test_missing_package_is_one_line(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "mlflow" else real(n, *a))
    out = tmp_path / "m"
    assert main(["run", "fprinciple-1d", *QUICK, "--out", str(out), "--log", "mlflow"]) == 2
    err = capsys.readouterr().err
    assert "needs the mlflow package" in err and "simbias[mlflow]" in err and not out.exists()


def test_monitor_streams_live(tmp_path):
    import torch

    from simbias import nn, problems
    from simbias.workflow import TensorBoardSink

    prob = problems.make_regression("sin(x)+sin(3*x)", n_train=41, n_test=50)
    model = nn.MLP(1, [16], 1, generator=torch.Generator().manual_seed(0))
    sink = TensorBoardSink(tmp_path / "tb")
    mon = simbias.Monitor(model, (prob.x_train, prob.y_train), probes=["loss", "peak_error"], every=3, sinks=[sink])
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for s in range(10):
        mon.step(s)
        opt.zero_grad()
        ((model(prob.x_train) - prob.y_train) ** 2).mean().backward()
        opt.step()
    mon.finish(tmp_path / "run", step=10)
    acc, sc = _tb_scalars(tmp_path / "tb")
    assert [e.step for e in sc["train_loss"]] == [0, 3, 6, 9, 10]
    assert acc.Tags()["images"]  # the final figures


# ---- run --resume after a kill: each step once, the same MLflow run ------------------------------

# 60 steps, a record every 5, a snapshot every 10, a checkpoint every 20; the first try is stopped
# at step 35, so the steps 20..35 (after the last checkpoint) reached the trackers before the kill
RESUMABLE = ["--set", "model.widths=[12]", "--set", "train.steps=60", "--set", "problem.n_train=64",
             "--set", "problem.n_test=100", "--set", "record.every=5", "--set", "record.snapshot_every=10",
             "--quiet", "--no-figures", "--log", "tensorboard", "--log", "mlflow"]


def _mlflow_run(out):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=(out / "mlruns").resolve().as_uri())
    (r,) = client.search_runs([client.get_experiment_by_name("fprinciple-1d").experiment_id])
    return client, r


def _logged(out):
    """{tag: (steps, values)} from TensorBoard and from MLflow."""
    _, sc = _tb_scalars(out / "tensorboard")
    tb = {t: ([e.step for e in ev], [e.value for e in ev]) for t, ev in sc.items()}
    client, r = _mlflow_run(out)
    ml = {}
    for k in r.data.metrics:
        hist = sorted(client.get_metric_history(r.info.run_id, k), key=lambda m: (m.step, m.timestamp))
        ml[k] = ([m.step for m in hist], [m.value for m in hist])
    return tb, ml, r


def test_resumed_run_logs_each_step_once_into_the_same_tracker_run(tmp_path, monkeypatch):
    from simbias.workflow._sinks import LiveLog

    ref, killed = tmp_path / "ref", tmp_path / "killed"
    assert main(["run", "fprinciple-1d", *RESUMABLE, "--out", str(ref), "--checkpoint-every", "0"]) == 0

    call = LiveLog.__call__

    def stop_at_35(self, step, values):  # Ctrl-C at step 35: the CLI sends what streamed to the trackers
        call(self, step, values)
        if step >= 35:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(LiveLog, "__call__", stop_at_35)
        assert main(["run", "fprinciple-1d", *RESUMABLE, "--out", str(killed), "--checkpoint-every", "20"]) == 130
    assert (killed / "checkpoint.pt").exists() and (killed / "mlflow_run_id").exists()
    tb0, ml0, r0 = _logged(killed)
    assert tb0["train_loss"][0][-1] == 35 and max(ml0["train_loss"][0]) == 35  # past the checkpoint (20)

    assert main(["run", "fprinciple-1d", *RESUMABLE, "--out", str(killed), "--checkpoint-every", "20",
                 "--resume"]) == 0
    tb, ml, r = _logged(killed)
    tb_ref, ml_ref, _ = _logged(ref)
    h = simbias.load(ref).history
    assert list(tb["train_loss"][0]) == list(h.steps)  # each step once
    assert sorted(tb) == sorted(tb_ref) and sorted(ml) == sorted(ml_ref)
    for t in tb_ref:
        assert tb[t][0] == tb_ref[t][0], t
        np.testing.assert_array_equal(tb[t][1], tb_ref[t][1], err_msg=t)  # the same computation: bitwise
    assert r.info.run_id == r0.info.run_id == (killed / "mlflow_run_id").read_text().strip()
    assert r.info.status == "FINISHED" and r.data.params["train.steps"] == "60"
    for k in ml_ref:
        assert ml[k][0] == ml_ref[k][0], k  # one MLflow run, each step once
        np.testing.assert_array_equal(ml[k][1], ml_ref[k][1], err_msg=k)
    assert not (ref / "checkpoint.pt").exists()


def test_run_killed_for_real_resumes_with_every_step_logged_once(tmp_path, monkeypatch):
    """SIGKILL as soon as the first checkpoint is on disk: the trackers already hold every record
    before it (synced before the checkpoint is written), and the resumed run adds the rest once."""
    from helpers import kill_after_checkpoint

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # read the local store here (the sinks set it too)
    args = ["run", "fprinciple-1d", "--set", "train.steps=600", "--set", "model.widths=[32,32]",
            "--set", "record.every=10", "--set", "problem.n_test=200", "--checkpoint-every", "100", "--quiet",
            "--no-figures", "--log", "tensorboard", "--log", "mlflow"]
    ref, killed = tmp_path / "ref", tmp_path / "killed"
    kill_after_checkpoint([*args, "--out", str(killed)], (killed, "checkpoint.pt"))
    assert not (killed / "manifest.json").exists()
    tb0, ml0, _ = _logged(killed)
    assert tb0["train_loss"][0][:10] == list(range(0, 100, 10))  # all before the checkpoint (step 100)
    assert ml0["train_loss"][0][:10] == list(range(0, 100, 10))

    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)  # the subprocess's arithmetic
    try:
        assert main([*args, "--out", str(killed), "--resume"]) == 0
        assert main([*args, "--out", str(ref), "--checkpoint-every", "0"]) == 0
    finally:
        torch.set_num_threads(n)
    tb, ml, r = _logged(killed)
    tb_ref, ml_ref, _ = _logged(ref)
    assert sorted(tb) == sorted(tb_ref) and sorted(ml) == sorted(ml_ref)
    assert tb["train_loss"][0] == list(simbias.load(ref).history.steps)
    for t in tb_ref:
        assert tb[t] == tb_ref[t], t
    for k in ml_ref:
        assert ml[k] == ml_ref[k], k
