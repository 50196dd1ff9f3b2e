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
