"""The Ray backend on a local 2-CPU Ray instance (started once for this module): same results as local."""

import shutil

import pytest

ray = pytest.importorskip("ray")

from simbias.experiments import expand, make_sweep, run_sweep  # noqa: E402
from simbias.io import SweepDir  # noqa: E402

TINY = ["model.widths=[12]", "train.steps=60", "problem.n_train=64", "problem.n_test=100", "record.snapshot_every=20"]


@pytest.fixture(scope="module")
def local_ray():
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_backend_equals_local_and_resumes(local_ray, tmp_path):
    sw = make_sweep("fprinciple-1d", TINY, grid=["model.widths=[8],[12]", "train.lr=1e-3,1e25"], seeds=2)
    local = run_sweep(sw, tmp_path / "local")
    remote = run_sweep(sw, tmp_path / "ray", backend="ray", bucket_size=3)
    assert remote.counts == local.counts == {"completed": 4, "diverged": 4, "failed": 0}
    assert (tmp_path / "ray" / "results.csv").read_text() == (tmp_path / "local" / "results.csv").read_text()
    man = SweepDir(tmp_path / "ray").read_member(expand(sw)[0].id)[1]
    assert man["sweep"]["backend"] == "ray" and ray.is_initialized()  # a running Ray is joined, not restarted
    # resume does not depend on the backend: finish a partial local sweep on Ray
    part = tmp_path / "part"
    shutil.copytree(tmp_path / "local", part)
    for m in expand(sw)[::3]:
        shutil.rmtree(SweepDir(part).member(m.id).path)
    res = run_sweep(sw, part, backend="ray", resume=True)
    assert res.skipped == 5
    assert (part / "results.csv").read_text() == (tmp_path / "local" / "results.csv").read_text()
