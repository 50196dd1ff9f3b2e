"""The two-layer experiments through the CLI: run directories, figures, the init_t sweep with its
combined figure, sweep == run, and one-line errors with exit code 2."""

import json

import numpy as np
import pytest

from simbias.cli import main
from simbias.io import read_csv

QUICK_1D = ["--set", "model.width=100", "--set", "train.steps=200", "--set", "problem.n_test=200"]


def cli(*args):
    return main(list(args))


def test_condensation_1d_run_directory_figures_and_report(tmp_path, capsys):
    out = tmp_path / "c1"
    assert cli("run", "condensation-1d", *QUICK_1D, "--out", str(out), "--quiet") == 0
    printed = capsys.readouterr().out
    assert "RD = " in printed and "orientation" in printed
    s = json.loads((out / "summary.json").read_text())
    for key in ("rd", "n_orientations", "merged_width", "merged_rel_error", "gamma", "gamma_prime", "regime", "lr"):
        assert key in s, key
    assert s["gamma"] == pytest.approx(2.0) and s["regime"] == "condensed"
    figs = {p.name for p in (out / "figures").iterdir()}
    assert {"fit.png", "features.png", "cosine_similarity.png", "loss.png"} <= figs
    for p in (out / "figures").iterdir():
        p.unlink()
    (out / "report.html").unlink()
    assert cli("report", str(out)) == 0                      # figures rebuilt from the directory alone
    assert (out / "figures" / "features.png").exists() and (out / "report.html").stat().st_size > 10_000


def test_init_t_sweep_has_the_combined_figure_and_members_equal_runs(tmp_path, capsys):
    sweep = tmp_path / "sw"
    assert cli("sweep", "condensation-1d", *QUICK_1D, "--grid", "model.init_t=0.1,1", "--out", str(sweep),
               "--quiet") == 0
    assert (sweep / "figures" / "condensation_regimes.png").stat().st_size > 10_000
    cols, rows = read_csv(sweep / "results.csv")
    assert {"model.init_t", "rd", "n_orientations", "merged_width", "merged_rel_error"} <= set(cols)
    rd = {float(r["model.init_t"]): float(r["rd"]) for r in rows}
    assert rd[0.1] < rd[1.0]
    # a sweep member gives the numbers of `simbias run` with the same overrides
    run = tmp_path / "run"
    assert cli("run", "condensation-1d", *QUICK_1D, "--set", "model.init_t=1", "--set", "seed=0",
               "--out", str(run), "--quiet", "--no-figures") == 0
    s = json.loads((run / "summary.json").read_text())
    assert s["rd"] == pytest.approx(rd[1.0], rel=1e-4)
    capsys.readouterr()


def test_condensation_initial_and_lfp_runs(tmp_path):
    out = tmp_path / "ci"
    assert cli("run", "condensation-initial", "--set", "train.steps=30", "--out", str(out), "--quiet") == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["multiplicity"] == 1 and "n_orientations" in s
    assert (out / "figures" / "cosine_similarity.png").exists()
    out = tmp_path / "lfp"
    assert cli("run", "lfp-1d", "--set", "model.width=200", "--set", "train.steps=50", "--set", "analysis.n_grid=50",
               "--out", str(out), "--quiet") == 0
    s = json.loads((out / "summary.json").read_text())
    for key in ("rel_error_vs_lfp", "rel_error_vs_cubic", "rel_error_vs_linear"):
        assert np.isfinite(s[key])
    assert (out / "figures" / "lfp_fit.png").exists()


def test_phase_diagram_run_and_sweep(tmp_path):
    quick = ["--set", "phase.widths=[20, 40, 80]", "--set", "phase.seeds=1", "--set", "train.steps=100",
             "--set", "train.check_every=100"]
    out = tmp_path / "pd"
    assert cli("run", "phase-diagram", *quick, "--out", str(out), "--quiet") == 0
    s = json.loads((out / "summary.json").read_text())
    assert [(x["gamma"], x["gamma_prime"]) for x in s["slopes"]] == [(0.5, 0.0), (1.0, 0.0), (1.75, 0.0)]
    assert {x["regime"] for x in s["slopes"]} == {"linear", "critical", "condensed"}
    assert {"rd_vs_width.png", "phase_map.png"} <= {p.name for p in (out / "figures").iterdir()}
    sweep = tmp_path / "pds"
    assert cli("sweep", "phase-diagram", *quick, "--set", "phase.gammas=[0.5]", "--grid",
               "phase.gamma_primes=[0.0],[0.3]", "--out", str(sweep), "--quiet") == 0
    assert (sweep / "figures" / "phase_map.png").exists()
    cols, rows = read_csv(sweep / "results.csv")
    assert "slopes[0].slope" in cols and len(rows) == 2


@pytest.mark.parametrize("args,needle", [
    (["run", "condensation-1d", "--set", "model.activation=swish"], "model.activation"),
    (["run", "condensation-1d", "--set", "model.width=0"], "model.width"),
    (["run", "condensation-1d", "--set", "model.width=-5"], "model.width"),
    (["run", "condensation-1d", "--set", "model.alpha=2.0"], "model.alpha"),
    (["run", "condensation-1d", "--set", "model.init_t=none", "--set", "model.beta2=0"], "model.beta2"),
    (["run", "condensation-1d", "--set", "train.lr=-0.1"], "train.lr"),
    (["run", "condensation-initial", "--set", "model.activation=nope"], "model.activation"),
    (["run", "lfp-1d", "--set", "model.a_range=-1"], "model.a_range"),
    (["run", "phase-diagram", "--set", "phase.widths=[500, 1000]"], "phase.widths"),
    (["sweep", "phase-diagram", "--grid", "phase.widths=[500, 1000],[500, 1000, 2000]"], "phase.widths"),
    (["sweep", "phase-diagram", "--grid", "model.width=500,1000"], "model.width"),
    (["sweep", "condensation-1d", "--grid", "model.activation=relu,swish"], "model.activation"),
])
def test_bad_two_layer_input_is_one_line_and_exit_2(args, needle, capsys, tmp_path):
    assert cli(*args, "--out", str(tmp_path / "o"), "--quiet") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err
