"""The SLURM backend through submitit's local executor (jobs run as local processes)."""

import pytest

pytest.importorskip("submitit")

from simbias.experiments import make_sweep, run_sweep  # noqa: E402

TINY = ["model.widths=[12]", "train.steps=60", "problem.n_train=64", "problem.n_test=100", "record.snapshot_every=20"]


def test_slurm_backend_with_the_local_executor_equals_local(tmp_path):
    sw = make_sweep("fprinciple-1d", TINY, grid=["train.lr=1e-3,2e-3"], seeds=2)
    run_sweep(sw, tmp_path / "local")
    res = run_sweep(sw, tmp_path / "slurm", backend="slurm", backend_options={"cluster": "local", "timeout_min": 5})
    assert res.counts == {"completed": 4, "diverged": 0, "failed": 0}
    assert (tmp_path / "slurm" / "results.csv").read_text() == (tmp_path / "local" / "results.csv").read_text()
    assert list((tmp_path / "slurm" / ".submitit").iterdir())  # the job folder submitit writes
