"""io's run-directory helpers: the claim as a block, the manifest's first keys, the time stamp."""

import datetime as dt
from types import SimpleNamespace

import pytest

from simbias.errors import InputError
from simbias.io import RunDir, claimed, environment_info, manifest_head, now


def test_claimed_rolls_back_on_input_error_and_releases_otherwise(tmp_path):
    d = RunDir(tmp_path / "a" / "run")
    with pytest.raises(InputError):
        with claimed(d, "h1"):
            assert (d.path / ".simbias.lock").exists()
            raise InputError("x", "bad")
    assert not (tmp_path / "a").exists()  # the folders the claim created are gone
    with claimed(d, "h1") as got:
        assert got is d
        d.write_manifest({"spec_hash": "h1", "outcome": "completed"})
    assert not (d.path / ".simbias.lock").exists() and d.is_complete("h1")
    with pytest.raises(RuntimeError):
        with claimed(d, "h1"):
            raise RuntimeError("a failure during the run keeps the files")
    assert d.path.is_dir() and not (d.path / ".simbias.lock").exists()
    with claimed(None) as nothing:
        assert nothing is None


def test_manifest_head_and_now():
    t = now()
    assert abs((dt.datetime.fromisoformat(t) - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 5
    m = manifest_head(SimpleNamespace(experiment="k", seed=4, dtype="float64"), "h", "cpu", t)
    assert {k: m[k] for k in ("experiment", "spec_hash", "seed", "device", "dtype", "started")} == \
        {"experiment": "k", "spec_hash": "h", "seed": 4, "device": "cpu", "dtype": "float64", "started": t}
    assert set(environment_info()) <= set(m)
    assert RunDir("r").checkpoint.name == "checkpoint.pt"
