"""simbias.load on every preset's smoke run: Run, History → pandas / xarray, reprs; and a sweep."""

import shutil

import numpy as np
import pandas as pd
import pytest

import simbias
from simbias.cli import main
from simbias.errors import InputError
from simbias.experiments import list_presets, resolve_spec, run
from tests.test_presets import shrink


@pytest.mark.parametrize("name", sorted(list_presets()))
def test_load_every_preset(name, tmp_path):
    spec, _ = resolve_spec(name)
    result, rd = run(shrink(spec), tmp_path / name)
    r = simbias.load(rd.path)
    assert isinstance(r, simbias.Run) and r.experiment == spec.experiment and r.outcome == "completed"
    assert set(r.summary) == set(result.summary)
    h = r.history
    assert f"outcome={r.outcome}" in repr(r) and "History(" in repr(h) and len(repr(h)) < 2000
    assert "<table>" in r._repr_html_() and "<table>" in h._repr_html_()
    long, wide = h.to_pandas("long"), h.to_pandas("wide")
    assert isinstance(long, pd.DataFrame) and isinstance(wide, pd.DataFrame)
    if len(long):
        assert {"step", "name", "index", "value"} <= set(long.columns)
        # every long row is one wide cell
        key = long.iloc[-1]
        col = key["name"] if f"{key['name']}[0]" not in wide.columns else f"{key['name']}[{key['index']}]"
        sel = wide[wide["step"] == key["step"]]
        if "member" in long.columns:
            sel = sel[sel["member"] == key["member"]]
        assert sel[col].iloc[0] == pytest.approx(key["value"], nan_ok=True)
    pytest.importorskip("xarray")
    ds = h.to_xarray(max_width=10_000)
    for k, v in h.arrays.items():
        if k in ds:
            np.testing.assert_array_equal(ds[k].values, v)
    if "peak_error" in ds:
        assert ds["peak_error"].dims[-2:] == ("step", "peak") and "frequency" in ds.coords


def test_old_and_partial_directories(tmp_path):
    spec, _ = resolve_spec("fprinciple-1d")
    _, rd = run(shrink(spec), tmp_path / "a")
    old = tmp_path / "old"
    shutil.copytree(rd.path, old)
    (old / "manifest.json").unlink()
    (old / "summary.json").unlink()
    r = simbias.load(old)
    assert r.manifest == {} and r.summary == {} and r.outcome == "unknown" and len(r.history.steps) > 1
    (old / "history.npz").unlink()
    assert simbias.load(old).history is None and "no history" in repr(simbias.load(old))
    with pytest.raises(InputError, match="neither a run directory"):
        simbias.load(tmp_path / "nothing")


def test_load_sweep(tmp_path):
    out = tmp_path / "sw"
    assert main(["sweep", "fprinciple-1d", "--set", "model.widths=[8]", "--set", "train.steps=20", "--set",
                 "problem.n_train=32", "--set", "problem.n_test=50", "--quiet", "--grid", "train.lr=1e-3,3e-3",
                 "--seeds", "2", "--out", str(out)]) == 0
    sw = simbias.load(out)
    assert isinstance(sw, simbias.Sweep) and len(sw) == 4
    assert list(sw.results["train.lr"]) == [1e-3, 1e-3, 3e-3, 3e-3] or sorted(sw.results["train.lr"]) == [1e-3, 1e-3, 3e-3, 3e-3]
    assert [m.path.name for m in sw.members] == list(sw.results["member_id"])
    assert all(m.outcome == "completed" for m in sw.members)
    assert sw.members[0].history.to_pandas("wide")["step"].iloc[-1] == 20
    assert "4 members" in repr(sw) and "<table" in sw._repr_html_()
    assert sw.results.groupby("train.lr").size().to_dict() == {1e-3: 2, 3e-3: 2}


def test_figure_thumbnails_inline(tmp_path):
    import torch

    from simbias import nn, problems

    prob = problems.make_regression("sin(x)+sin(3*x)", n_train=41, n_test=50)
    model = nn.MLP(1, [16], 1, generator=torch.Generator().manual_seed(0))
    mon = simbias.Monitor(model, (prob.x_train, prob.y_train), probes=["loss", "peak_error"], every=1)
    for s in range(3):
        mon.step(s, loss=1.0 / (s + 1))
    r = simbias.load(mon.finish(tmp_path / "f", step=3))
    assert len(r.figures) >= 2
    assert r._repr_html_().count("data:image/png;base64,") == sum(p.suffix == ".png" for p in r.figures)
