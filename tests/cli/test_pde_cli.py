"""The PDE experiments through the CLI: run directories, summaries, figures, and one-line errors (exit 2)."""

import json

import numpy as np
import pytest
from helpers import assert_histories_close

from simbias.cli import main
from simbias.experiments import make_sweep, resolve_spec, run, run_sweep, to_dict, to_toml
from simbias.io import read_csv

PDE_PRESETS = ["jacobi-vs-dnn", "mscale-fit", "mscale-poisson", "pb-1d", "multiscale-elliptic", "poisson-annulus"]


def cli(*args):
    return main(list(args))


def test_list_shows_the_pde_presets(capsys):
    assert cli("list") == 0
    out = capsys.readouterr().out
    for name in PDE_PRESETS:
        assert name in out
    assert "jacobi-vs-dnn" in out and "pde-compare" in out


@pytest.mark.parametrize("name", PDE_PRESETS)
def test_show_config_round_trips(name, capsys, tmp_path):
    assert cli("show-config", name) == 0
    text = capsys.readouterr().out
    f = tmp_path / "spec.toml"
    f.write_text(text)
    assert cli("show-config", str(f)) == 0
    assert capsys.readouterr().out == text


def test_jacobi_run_directory_summary_and_figures(tmp_path, capsys):
    out = tmp_path / "jac"
    assert cli("run", "jacobi-vs-dnn", "--set", "train.steps=200", "--set", "hybrid.steps=100",
               "--set", "jacobi.sweeps=300", "--set", "problem.n_grid=63", "--out", str(out), "--quiet") == 0
    s = json.loads((out / "summary.json").read_text())
    assert set(s["converged_step"]) == {"jacobi", "network", "hybrid"}
    assert len(s["converged_step"]["jacobi"]) == len(s["frequencies"]) and s["threshold"] == 0.1
    assert set(s["rel_l2"]) == {"jacobi", "network", "hybrid"} and s["hybrid"]["network_steps"] == 100
    figs = {p.name for p in (out / "figures").iterdir()}
    assert {"peak_error_heatmaps.png", "hybrid_error.png", "peak_error_curves.png", "solution.png"} <= figs
    assert "Jacobi from zero" in capsys.readouterr().out


def test_pde_compare_1d_summary_and_figures(tmp_path, capsys):
    out = tmp_path / "t23"
    assert cli("run", "mscale-poisson", "--set", "train.steps=30", "--set", "train.n_interior=64",
               "--set", "record.every=10", "--out", str(out), "--quiet") == 0
    s = json.loads((out / "summary.json").read_text())
    for key in ["rel_l2", "rms", "rel_squared", "domain_mse", "best_rel_l2", "ms_per_step"]:
        assert set(s[key]) == {"mscale", "normal"}, key
    figs = {p.name for p in (out / "figures").iterdir()}
    assert {"error_curves.png", "solution.png", "loss.png", "spectrum.png", "peak_error_heatmaps.png"} <= figs
    with np.load(out / "history.npz") as z:
        assert {"mscale/rel_l2", "normal/rel_l2", "mscale/output_test", "static/x_test", "static/u_test"} <= set(z.files)
    assert "final relative L2 error" in capsys.readouterr().out


def test_annulus_figures_and_holes(tmp_path):
    out = tmp_path / "ring"
    assert cli("run", "poisson-annulus", "--set", "train.steps=10", "--set", "train.n_interior=64",
               "--set", "train.n_boundary=16", "--set", "problem.n_test=21", "--set", "record.every=5",
               "--out", str(out), "--quiet") == 0
    figs = {p.name for p in (out / "figures").iterdir()}
    assert {"solution_2d.png", "error_map.png", "error_curves.png"} <= figs
    # a square with holes, written as [c1, c2, r] rows, round-trips and runs
    holes = ["--set", "problem.domain.name=box_with_holes", "--set", "problem.domain.lows=[0.0, 0.0]",
             "--set", "problem.domain.highs=[1.0, 1.0]", "--set", "problem.domain.holes=[[0.3, 0.3, 0.1], [0.7, 0.6, 0.15]]",
             "--set", "problem.domain.r_inner=none", "--set", "problem.domain.r_outer=none",
             "--set", "problem.domain.center=none", "--set", "problem.solution=sin(3*x1)*sin(3*x2)"]
    spec, _ = resolve_spec("poisson-annulus", [h for h in holes if h != "--set"] +
                           ["train.steps=5", "train.n_interior=32", "train.n_boundary=8", "problem.n_test=11"])
    assert "holes = [[0.3, 0.3, 0.1], [0.7, 0.6, 0.15]]" in to_toml(to_dict(spec))
    result, _ = run(spec)
    assert set(result.summary["rel_l2"]) == {"mscale", "normal"}


@pytest.mark.parametrize("args,needle", [
    (["run", "mscale-poisson", "--set", "problem.name=poisson_heat"], "problem.name"),
    (["run", "poisson-annulus", "--set", "problem.domain.name=torus"], "problem.domain"),
    (["run", "mscale-poisson", "--set", "problem.eps=0.1"], "problem.eps"),
    (["run", "mscale-poisson", "--set", "model.scales=[1, 0, 2]"], "model.scales"),
    (["run", "mscale-poisson", "--set", "model.scales=[1, -2.5]"], "model.scales"),
    (["run", "pb-1d", "--set", "baseline.scales=[0, 0]"], "baseline.scales"),
    (["run", "mscale-poisson", "--set", "model.scales=fibonacci"], "model.scales"),
    (["run", "mscale-poisson", "--set", "train.beta=0"], "train.beta"),
    (["run", "mscale-poisson", "--set", "train.beta=-1000"], "train.beta"),
    (["run", "mscale-poisson", "--set", "model.activation=swish"], "model.activation"),
    (["run", "mscale-poisson", "--set", "train.loss=l1"], "train.loss"),
    (["run", "jacobi-vs-dnn", "--set", "hybrid.steps=15"], "hybrid.steps"),
    (["run", "jacobi-vs-dnn", "--set", "problem.solution=sin(y)"], "problem.solution"),
    (["run", "jacobi-vs-dnn", "--set", "jacobi.omega=1.5"], "jacobi.omega"),
    (["show-config", "mscale-fit", "--set", "extra_activations=[\"nope\"]"], "extra_activations"),
    (["show-config", "poisson-annulus", "--set", "problem.domain.r_inner=5.0"], "problem.domain"),
    (["show-config", "mscale-poisson", "--set", "model.arch=transformer"], "model.arch"),
    (["show-config", "mscale-poisson", "--set", "model.arch=cnn"], "model.arch"),  # nn has it; not a PDE network
    (["run", "jacobi-vs-dnn", "--set", "train.lr_decay=1"], "train.lr_decay"),
    (["run", "mscale-fit", "--set", "train.optimizer=bogus"], "train.optimizer"),
    (["show-config", "pb-1d", "--set", "baseline.arch=msffn", "--set", "baseline.widths=[7, 8]"], "baseline.widths"),
    (["show-config", "pb-1d", "--set", "baseline.arch=msffn", "--set", "baseline.sigmas=[1, -2]"], "baseline.sigmas"),
    (["run", "mscale-poisson", "--set", "baseline.arch=fourier", "--set", "baseline.sigma=0"], "baseline.sigma"),
    (["run", "jacobi-vs-dnn", "--set", "model.widths=[]"], "model.widths"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle, capsys, tmp_path):
    assert cli(*args, *(["--out", str(tmp_path / "o")] if args[0] == "run" else [])) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err, err
    assert not (tmp_path / "o").exists()  # rejected before anything is written


@pytest.mark.parametrize("preset,quick", [
    ("mscale-poisson", ["train.steps=12", "train.n_interior=32", "train.n_boundary=8", "record.every=4",
                        "model.widths=[8, 8]", "baseline.widths=[16, 16]"]),
    ("jacobi-vs-dnn", ["train.steps=20", "hybrid.steps=10", "jacobi.sweeps=40", "problem.n_grid=31",
                       "model.widths=[16, 16]"]),
])
def test_sweep_member_equals_its_run(preset, quick, tmp_path):
    """A sweep over seeds completes every member, and member seed=1 is `simbias run --set seed=1`
    (float32 tolerance table; each network's objective resamples its points, so members train one by one)."""
    run_sweep(make_sweep(preset, quick, grid=["seed=0,1"]), tmp_path / "sw")
    _, rows = read_csv(tmp_path / "sw" / "results.csv")
    assert [(r["seed"], r["outcome"]) for r in rows] == [("0", "completed"), ("1", "completed")]
    spec, _ = resolve_spec(preset, [*quick, "seed=1"])
    run(spec, tmp_path / "one")
    assert_histories_close(tmp_path / "one" / "history.npz", tmp_path / "sw" / "members" / rows[1]["member_id"] / "history.npz")
