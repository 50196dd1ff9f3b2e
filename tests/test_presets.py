"""Every preset in configs/ smoke-runs (steps cut to a handful) and round-trips."""

import dataclasses

import pytest

from simbias.experiments import list_presets, resolve_spec, run


def shrink(spec, cap=12):
    """Cap every field named ``steps`` (and ``snapshot_every``-like fields stay valid) for a smoke run."""
    changes = {}
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if dataclasses.is_dataclass(v):
            changes[f.name] = shrink(v, cap)
        elif f.name in ("steps", "iterations", "sweeps") and isinstance(v, int) and v > cap:
            changes[f.name] = cap
    return dataclasses.replace(spec, **changes)


@pytest.mark.parametrize("name", sorted(list_presets()))
def test_preset_smoke_runs(name, tmp_path):
    spec, _ = resolve_spec(name)
    result, rd = run(shrink(spec), tmp_path / name)
    assert (rd.path / "summary.json").exists() and result.summary


# ---- presets are package data; files follow the umask ------------------------------------------


def test_presets_are_package_data_read_through_importlib_resources(monkeypatch, tmp_path):
    import importlib.resources
    from pathlib import Path

    from simbias.experiments import configs_dir

    monkeypatch.delenv("SIMBIAS_CONFIGS", raising=False)
    monkeypatch.chdir(tmp_path)  # not the checkout: the presets come from the package itself
    pkg = Path(str(importlib.resources.files("simbias").joinpath("configs")))
    assert Path(configs_dir()).resolve() == pkg.resolve()
    names = set(list_presets())
    assert names == {p.stem for p in pkg.glob("*.toml")} and {"fprinciple-1d", "jacobi-vs-dnn"} <= names
    # the checkout's top-level configs/ is the same folder (a link into the package)
    top = Path(__file__).resolve().parents[1] / "configs"
    if top.exists():
        assert top.resolve() == pkg.resolve()
    # $SIMBIAS_CONFIGS still overrides
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "only-mine.toml").write_text(
        (pkg / "fprinciple-1d.toml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("SIMBIAS_CONFIGS", str(tmp_path / "mine"))
    assert list(list_presets()) == ["only-mine"]


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    import os
    import stat

    from simbias.io import atomic_write_bytes

    old = os.umask(umask)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        spec, _ = resolve_spec("fprinciple-1d", ["train.steps=3", "model.widths=[4]", "problem.n_train=16",
                                                 "problem.n_test=20", "record.snapshot_every=1"])
        _, rd = run(spec, tmp_path / "run")
    finally:
        os.umask(old)
    files = [tmp_path / "a.bin"] + [p for p in rd.path.rglob("*") if p.is_file()]
    assert len(files) > 4
    assert {p.relative_to(tmp_path).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == \
        {p.relative_to(tmp_path).as_posix(): oct(mode) for p in files}
