"""The CLI contract: verbs, run directory files, exit codes and one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simbias.cli import main

QUICK = ["--set", "model.widths=[16,16]", "--set", "train.steps=40", "--set", "problem.n_train=64",
         "--set", "record.snapshot_every=10"]


def cli(*args):
    return main(list(args))


def test_list(capsys):
    assert cli("list") == 0
    out = capsys.readouterr().out
    assert "fprinciple-1d" in out and "fprinciple-noise" in out


def test_show_config_round_trips(capsys, tmp_path):
    assert cli("show-config", "fprinciple-1d", "--set", "train.lr=0.002") == 0
    text = capsys.readouterr().out
    f = tmp_path / "spec.toml"
    f.write_text(text)
    assert cli("show-config", str(f)) == 0
    assert capsys.readouterr().out == text
    assert "lr = 0.002" in text


def test_run_writes_the_run_directory_and_report_rebuilds(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli("run", "fprinciple-1d", *QUICK, "--out", str(out), "--quiet") == 0
    for name in ["spec.toml", "manifest.json", "history.npz", "summary.json", "report.html"]:
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    for key in ["frequencies", "converged_step", "threshold", "final_train_loss"]:
        assert key in summary
    assert summary["frequencies"] == sorted(summary["frequencies"])
    assert len(summary["converged_step"]) == len(summary["frequencies"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outcome"] == "completed" and manifest["seed"] == 0 and manifest["device"] == "cpu"
    figs = {p.name for p in (out / "figures").iterdir()}
    assert {"fit_snapshots.png", "spectrum_snapshots.png", "peak_error_heatmap.png", "loss.png", "training.gif"} <= figs
    # report rebuilds from the directory alone
    (out / "report.html").unlink()
    for p in (out / "figures").iterdir():
        p.unlink()
    assert cli("report", str(out)) == 0
    assert (out / "report.html").stat().st_size > 10_000 and (out / "figures" / "loss.png").exists()
    # the same spec again into the same directory is allowed and gives identical arrays
    before = dict(np.load(out / "history.npz"))
    assert cli("run", "fprinciple-1d", *QUICK, "--out", str(out), "--quiet", "--no-figures") == 0
    after = dict(np.load(out / "history.npz"))
    assert before.keys() == after.keys()
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])


def test_noise_summary_fields(tmp_path):
    out = tmp_path / "noise"
    assert cli("run", "fprinciple-noise", *QUICK, "--out", str(out), "--quiet", "--no-figures") == 0
    s = json.loads((out / "summary.json").read_text())
    for key in ["best_test_step", "best_test_error", "final_test_error"]:
        assert key in s


@pytest.mark.parametrize("args,needle", [
    (["run", "fprinciple-1d", "--set", "problem.target=__import__('os').system('echo hi')"], "problem.target"),
    (["run", "fprinciple-1d", "--set", "problem.target=sin(x"], "problem.target"),
    (["run", "fprinciple-1d", "--set", "train.rate=1"], "train.rate"),
    (["run", "fprinciple-1d", "--set", "train.steps=many"], "train.steps"),
    (["run", "no-such-experiment"], "no-such-experiment"),
    (["show-config", "fprinciple-1d", "--set", "model.widths=[0]"], "model.widths"),
    (["run", "fprinciple-1d", "--device", "tpu"], "--device"),
    (["report", "/nonexistent/dir"], "DIR"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle, capsys, tmp_path):
    assert cli(*args, *(["--out", str(tmp_path / "o")] if args[0] == "run" else [])) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_out_dir_holding_a_different_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli("run", "fprinciple-1d", *QUICK, "--out", str(out), "--quiet", "--no-figures") == 0
    assert cli("run", "fprinciple-1d", *QUICK, "--set", "seed=1", "--out", str(out), "--quiet") == 2
    err = capsys.readouterr().err.strip()
    assert "--out" in err and "different run" in err and "\n" not in err


def test_divergence_exit_1_names_step(tmp_path, capsys):
    out = tmp_path / "div"
    code = cli("run", "fprinciple-1d", *QUICK, "--set", "train.optimizer=sgd", "--set", "train.lr=1e4",
               "--out", str(out), "--quiet")
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged at step" in err and "train.lr" in err
    assert json.loads((out / "manifest.json").read_text())["outcome"] == "diverged"


def test_python_m_simbias_entry_point():
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-m", "simbias", "list"], capture_output=True, text=True, env=env,
                       cwd=Path(__file__).parents[2])
    assert r.returncode == 0 and "fprinciple-1d" in r.stdout
