"""Shared test helpers: one tolerance table per dtype.

``TOL`` is what ``assert_close`` uses; ``REL`` is the relative bound (max |a − b| / max |b| over a whole
array) that batched-vs-per-member and sweep-vs-run comparisons assert on every CPU (DESIGN.md,
"Exactness contract"): float32 relative 1e-5, float64 relative 1e-10.  ``kill_after_checkpoint`` starts
the CLI in a subprocess and SIGKILLs it once a checkpoint is on disk (the resume tests).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

TOL = {
    torch.float64: dict(rtol=1e-10, atol=1e-12),
    torch.float32: dict(rtol=1e-5, atol=1e-6),
}

REL = {
    torch.float64: 1e-10,
    torch.float32: 1e-5,
}


def assert_close(actual, expected, dtype=torch.float64, **override):
    tol = dict(TOL[dtype])
    tol.update(override)
    torch.testing.assert_close(torch.as_tensor(actual), torch.as_tensor(expected), **tol)


def assert_results_close(path_a, path_b, rel=REL[torch.float32]):
    """Two results.csv: the same columns, rows and text cells; numeric cells within relative ``rel``."""
    ca, ra = _read_csv(path_a)
    cb, rb = _read_csv(path_b)
    assert ca == cb and len(ra) == len(rb)
    for x, y in zip(ra, rb):
        for c in ca:
            try:
                fx, fy = float(x[c]), float(y[c])
            except ValueError:
                assert x[c] == y[c], c
                continue
            assert (np.isnan(fx) and np.isnan(fy)) or abs(fx - fy) <= rel * abs(fx), (c, x[c], y[c])


def assert_histories_close(want_path, got_path, rel=REL[torch.float32]):
    """Every array of two history.npz files: the same keys and shapes; floats within ``rel`` of the largest
    magnitude (max |a − b| ≤ rel · max |a|, NaN where NaN), integers equal."""
    with np.load(want_path, allow_pickle=False) as w, np.load(got_path, allow_pickle=False) as g:
        assert sorted(w.files) == sorted(g.files)
        for k in w.files:
            a, b = w[k], g[k]
            assert a.shape == b.shape, k
            if a.dtype.kind == "f":
                assert np.array_equal(np.isnan(a), np.isnan(b)), k
                fa, fb = a[~np.isnan(a)].astype(np.float64), b[~np.isnan(b)].astype(np.float64)
                if fa.size:
                    assert np.max(np.abs(fa - fb)) <= rel * max(np.max(np.abs(fa)), 1e-30), k
            else:
                assert np.array_equal(a, b), k


def _read_csv(path):
    from simbias.io import read_csv

    return read_csv(path)


_SRC = Path(__file__).resolve().parents[1] / "src"


def kill_after_checkpoint(args: list[str], checkpoint_glob: tuple[Path, str], timeout: float = 120.0) -> None:
    """Start ``simbias ARGS``; SIGKILL it as soon as a checkpoint file appears."""
    env = {**os.environ, "PYTHONPATH": f"{_SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "simbias", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    folder, pattern = checkpoint_glob
    t0 = time.monotonic()
    try:
        while not (folder.is_dir() and any(folder.glob(pattern))):
            if proc.poll() is not None:
                pytest.fail(f"simbias ended (rc {proc.returncode}) before a checkpoint: {proc.stderr.read().decode()}")
            if time.monotonic() - t0 > timeout:
                pytest.fail("no checkpoint appeared")
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
