"""Resume after a real interruption: a `simbias sweep` subprocess killed mid-run (SIGKILL, SIGINT).

The killed run, the resume and the reference plan the same tasks (``--bucket-size 2``): resume retrains
an unfinished member in its planned task, so results.csv is byte-identical on every CPU.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.numerics

from simbias.cli import main
from simbias.experiments import make_sweep, run_sweep
from simbias.io import read_csv

ARGS = ["fprinciple-1d", "--set", "model.widths=[16]", "--set", "train.steps=150", "--set", "problem.n_train=64",
        "--set", "problem.n_test=100", "--set", "record.snapshot_every=30", "--grid", "train.lr=1e-3,2e-3,4e-3",
        "--seeds", "4"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same sweep, uninterrupted, in this process, with the same tasks (two members each)."""
    out = tmp_path_factory.mktemp("ref") / "full"
    sets = [ARGS[i + 1] for i in range(len(ARGS)) if ARGS[i] == "--set"]
    run_sweep(make_sweep("fprinciple-1d", sets, grid=["train.lr=1e-3,2e-3,4e-3"], seeds=4), out, bucket_size=2)
    return (out / "results.csv").read_text()


def _start(out: Path):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    # SIGINT back to its default in the child: a shell's background job (CI running test groups side by
    # side) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler
    return subprocess.Popen([sys.executable, "-m", "simbias", "sweep", *ARGS, "--bucket-size", "2", "--quiet",
                             "--out", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_members(out: Path, proc, k: int = 2, timeout: float = 120.0) -> int:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        done = len(list(out.glob("members/*/manifest.json")))
        if done >= k or proc.poll() is not None:
            return done
        time.sleep(0.01)
    raise TimeoutError("the sweep did not start")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_sweep_resumes_to_the_uninterrupted_results(tmp_path, reference, sig, capsys):
    out = tmp_path / "sweep"
    proc = _start(out)
    done = _wait_for_members(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert 0 < done < 12, "the sweep was not interrupted mid-run"
    if sig == signal.SIGINT:  # Ctrl-C: stops cleanly, exit 130, finished members saved and listed
        assert proc.returncode == 130, err
        assert "interrupted" in err and "--resume" in err
        _, rows = read_csv(out / "results.csv")
        assert 0 < len(rows) < 12 and all(r["outcome"] == "completed" for r in rows)
    else:
        assert proc.returncode == -signal.SIGKILL
    finished_before = len(list(out.glob("members/*/manifest.json")))
    assert main(["sweep", *ARGS, "--bucket-size", "2", "--out", str(out), "--resume", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert f"({finished_before} already done)" in text
    assert (out / "results.csv").read_text() == reference
    assert not list(out.rglob(".*.tmp"))
    assert len(list(out.glob("members/*/manifest.json"))) == 12
