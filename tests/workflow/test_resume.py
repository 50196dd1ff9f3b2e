"""Checkpoints and exact resume of runs and sweep tasks, killed for real (SIGKILL), and live logging.

Each resume test starts ``simbias`` in a subprocess, polls for its checkpoint file, kills the
process with SIGKILL mid-run, resumes with ``--resume`` and compares ``history.npz`` and
``summary.json`` (for a sweep also ``results.csv``) with an uninterrupted run, bit for bit (one
machine, one thread, the same computation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from simbias.cli import main
from simbias.experiments import resolve_spec, run
from simbias.io import checkpoint_interval

from helpers import kill_after_checkpoint

# 600 steps, a checkpoint every 100: long enough to be killed between checkpoints, short to test
SMALL = ["--set", "train.steps=600", "--set", "model.widths=[32,32]", "--set", "record.every=10",
         "--set", "problem.n_test=200", "--checkpoint-every", "100", "--quiet"]


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # the same arithmetic as the subprocesses (OMP_NUM_THREADS=1)
    yield
    torch.set_num_threads(n)


def _same_run(a: Path, b: Path) -> None:
    with np.load(a / "history.npz") as za, np.load(b / "history.npz") as zb:
        assert sorted(za.files) == sorted(zb.files)
        for k in za.files:
            assert za[k].dtype == zb[k].dtype and np.array_equal(za[k], zb[k]), k
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()


def test_run_killed_mid_run_resumes_bitwise(tmp_path):
    killed, ref = tmp_path / "killed", tmp_path / "ref"
    kill_after_checkpoint(["run", "fprinciple-1d", *SMALL, "--no-figures", "--out", str(killed)],
                           (killed, "checkpoint.pt"))
    assert (killed / "checkpoint.pt").exists() and not (killed / "manifest.json").exists()
    assert main(["run", "fprinciple-1d", *SMALL, "--no-figures", "--out", str(killed), "--resume"]) == 0
    assert not (killed / "checkpoint.pt").exists()  # removed once the run has ended
    assert main(["run", "fprinciple-1d", *SMALL, "--no-figures", "--out", str(ref), "--checkpoint-every", "0"]) == 0
    _same_run(ref, killed)


@pytest.mark.parametrize("engine", ["ensemble", "sequential"])
def test_sweep_task_killed_mid_run_resumes_bitwise(tmp_path, engine):
    killed, ref = tmp_path / "killed", tmp_path / "ref"
    args = ["sweep", "fprinciple-1d", *SMALL, "--seeds", "2", "--engine", engine]
    kill_after_checkpoint([*args, "--out", str(killed)], (killed / "checkpoints", "*.pt"))
    assert main(["sweep", str(killed / "sweep.toml"), "--resume", "--quiet", "--checkpoint-every", "100",
                 "--engine", engine]) == 0
    assert not (killed / "checkpoints").exists()
    assert main([*args, "--out", str(ref), "--checkpoint-every", "0"]) == 0
    members = sorted(p.name for p in (ref / "members").iterdir())
    assert members == sorted(p.name for p in (killed / "members").iterdir()) and len(members) == 2
    for m in members:
        _same_run(ref / "members" / m, killed / "members" / m)
    assert (ref / "results.csv").read_bytes() == (killed / "results.csv").read_bytes()


def test_a_checkpointed_sweep_task_trains_its_bucket_together_and_writes_its_state(tmp_path):
    from simbias.experiments._sweep import run_members

    specs = [resolve_spec("fprinciple-1d", ["train.steps=20", "model.widths=[8]", f"seed={s}"])[0] for s in (0, 1)]
    path = tmp_path / "task.pt"
    out = run_members(specs, checkpoint={"path": str(path), "task": "t", "every": 10, "resume": False})
    assert [m.error for m in out] == [None, None] and [m.bucket_size for m in out] == [2, 2] and path.exists()


def test_resume_refuses_another_spec(tmp_path, capsys):
    out = tmp_path / "r"
    quick = ["--set", "train.steps=30", "--set", "model.widths=[8]", "--quiet", "--no-figures"]
    assert main(["run", "fprinciple-1d", *quick, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", "fprinciple-1d", *quick, "--set", "seed=1", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "already holds a different run" in err


def test_bad_checkpoint_flag_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "fprinciple-1d", "--checkpoint-every", "-3", "--out", str(tmp_path / "x")])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--checkpoint-every" in err
    assert not (tmp_path / "x").exists()


def test_record_checkpoint_every_sets_the_interval_without_changing_the_spec(tmp_path, capsys, monkeypatch):
    """``--set record.checkpoint_every=N`` is the driver's interval: same spec hash, checkpoints taken."""
    import simbias.experiments._run as run_module

    seen = []
    real = run_module.run

    def spy(*a, **kw):
        seen.append(kw.get("checkpoint_every"))
        return real(*a, **kw)

    monkeypatch.setattr(run_module, "run", spy)
    monkeypatch.setattr("simbias.experiments.run", spy)
    quick = ["--set", "train.steps=30", "--set", "model.widths=[8]", "--quiet", "--no-figures"]
    assert main(["run", "fprinciple-1d", *quick, "--set", "record.checkpoint_every=10", "--out", str(tmp_path / "a")]) == 0
    assert main(["run", "fprinciple-1d", *quick, "--out", str(tmp_path / "b")]) == 0
    assert seen == [10, "auto"]
    assert (tmp_path / "a" / "spec.toml").read_text() == (tmp_path / "b" / "spec.toml").read_text()
    capsys.readouterr()
    assert main(["run", "fprinciple-1d", *quick, "--set", "record.checkpoint_every=-1", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "record.checkpoint_every" in err and not (tmp_path / "c").exists()


def test_default_interval_is_on_for_long_runs_only():
    assert checkpoint_interval("auto", 2_000) is None
    assert checkpoint_interval("auto", 20_000) == 5_000
    assert checkpoint_interval(0, 50_000) is None and checkpoint_interval(7, 10) == 7


def test_on_record_streams_during_training(tmp_path):
    spec, _ = resolve_spec("fprinciple-1d", ["train.steps=60", "model.widths=[8]", "record.every=5",
                                             "record.snapshot_every=20"])
    out = tmp_path / "live"
    seen: list[tuple[int, bool]] = []

    def on_record(step, values):  # the run directory has no history yet: training is still going on
        seen.append((step, (out / "history.npz").exists()))

    result, _ = run(spec, out, on_record=on_record)
    steps = sorted({s for s, _ in seen})
    h = result.history
    assert set(int(s) for s in h.steps) <= set(steps)
    assert set(int(s) for s in h.static["snapshot_steps"]) <= set(steps)
    assert not any(done for _, done in seen)


class _Killed(BaseException):
    pass


def _two_job_plan():
    """Two named fprinciple jobs in one plan (the second with a mini-batch generator of its own)."""
    from simbias.experiments._kind import Plan, get_kind
    from simbias.results import History

    kind = get_kind("fprinciple")
    fits = []
    for name, seed, extra in (("a", 0, []), ("b", 1, ["train.batch_size=16"])):
        spec, _ = resolve_spec("fprinciple-1d", ["train.steps=40", "model.widths=[8]", "problem.n_train=40",
                                                 "problem.n_test=50", f"seed={seed}", *extra])
        f = kind.build(spec, "cpu").fits[0]
        f.name = name
        fits.append(f)

    def combine(hs):
        return History(steps=hs[1].steps, arrays={**{f"a_{k}": v for k, v in hs[0].arrays.items()}, **hs[1].arrays},
                       static={**{f"a_{k}": v for k, v in hs[0].static.items()}, **hs[1].static})
    return Plan(fits, combine=combine)


@pytest.mark.parametrize("kill_at", [1, 3, 4, 6])
def test_plan_of_two_jobs_resumes_bitwise_from_every_kind_of_state(tmp_path, kill_at):
    """Killed inside job a, at the job boundary, and inside job b (mini-batches): the same history."""
    from simbias.experiments._kind import train_plan
    from simbias.io import load_state, save_state

    ref = train_plan(_two_job_plan()).to_npz_dict()
    path = tmp_path / "ckpt.pt"
    n = [0]

    def on_checkpoint(state):
        save_state(path, state)
        n[0] += 1
        if n[0] == kill_at:
            raise _Killed

    with pytest.raises(_Killed):
        train_plan(_two_job_plan(), checkpoint_every=10, on_checkpoint=on_checkpoint)
    state = load_state(path)
    got = train_plan(_two_job_plan(), checkpoint_every=10, on_checkpoint=lambda s: None, resume=state).to_npz_dict()
    assert sorted(got) == sorted(ref)
    for k in ref:
        assert np.array_equal(ref[k], got[k]), k
