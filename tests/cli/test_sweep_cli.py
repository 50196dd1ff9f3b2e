"""`simbias sweep`: the sweep directory, sweep figures and report, and one-line errors with exit code 2."""

import json

import pytest
from helpers import assert_results_close

from simbias.cli import main
from simbias.io import read_csv

QUICK = ["--set", "model.widths=[12]", "--set", "train.steps=50", "--set", "problem.n_train=64",
         "--set", "problem.n_test=100", "--set", "record.snapshot_every=10", "--quiet"]


def test_sweep_writes_the_sweep_directory(tmp_path, capsys):
    out = tmp_path / "sw"
    code = main(["sweep", "fprinciple-1d", *QUICK, "--grid", "train.lr=1e-3,3e-3", "--grid", "model.widths=[8],[12, 12]",
                 "--seeds", "2", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "8 members: 8 completed, 0 diverged, 0 failed" in text and str(out) in text
    assert {p.name for p in out.iterdir()} >= {"sweep.toml", "members", "results.csv", "figures", "report.html"}
    cols, rows = read_csv(out / "results.csv")
    assert cols[:5] == ["member_id", "train.lr", "model.widths", "seed", "outcome"] and len(rows) == 8
    assert {r["model.widths"] for r in rows} == {"[8]", "[12, 12]"}
    figs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figs == ["model.widths.png", "train.lr.png"]
    member = out / "members" / rows[0]["member_id"]
    assert {p.name for p in member.iterdir()} == {"spec.toml", "manifest.json", "history.npz", "summary.json"}
    assert json.loads((member / "manifest.json").read_text())["sweep"]["member"] == 0
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists() and "results.csv" in (out / "report.html").read_text()
    # the sweep.toml alone finishes (here: confirms) the sweep
    assert main(["sweep", str(out / "sweep.toml"), "--resume", "--quiet"]) == 0
    assert "(8 already done)" in capsys.readouterr().out


@pytest.mark.numerics
def test_sequential_engine_with_member_figures(tmp_path, capsys, monkeypatch):
    import simbias.viz

    drawn = []  # per-member reports are simbias.viz.build_report (tested with `simbias run`); here: that it is called
    monkeypatch.setattr(simbias.viz, "build_report", lambda d: drawn.append(d.name))
    out = tmp_path / "seq"
    assert main(["sweep", "fprinciple-1d", *QUICK, "--seeds", "2", "--engine", "sequential", "--figures",
                 "--out", str(out)]) == 0
    _, rows = read_csv(out / "results.csv")
    assert [r["seed"] for r in rows] == ["0", "1"]
    assert sorted(drawn) == sorted(r["member_id"] for r in rows)
    assert main(["sweep", "fprinciple-1d", *QUICK, "--seeds", "2", "--out", str(tmp_path / "ens")]) == 0
    assert_results_close(tmp_path / "ens" / "results.csv", out / "results.csv")  # batched ≈ alone (float32 1e-5)
    assert len(drawn) == 2  # no member figures without --figures


@pytest.mark.parametrize("args,what", [
    (["--grid", "model.depth=1,2"], "--grid: 'model.depth' is not a spec key"),
    (["--grid", "train.lr=fast,slow"], "train.lr: member 0 (train.lr='fast'): expected float"),
    (["--grid", "train.lr="], "--grid: train.lr has no values"),
    ([], "the sweep is empty"),
    (["--seeds", "two"], "invalid int value"),
    (["--grid", "train.lr=1e-3", "--engine", "turbo"], "invalid choice"),
    (["--grid", "train.lr=1e-3", "--backend", "local", "--workers", "3"], "--workers"),
])
def test_bad_input_is_one_line_and_exit_2(args, what, capsys, tmp_path):
    try:
        code = main(["sweep", "fprinciple-1d", *QUICK, *args, "--out", str(tmp_path / "x")])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert what in err and err.count("\n") == 1, err


def test_resume_on_another_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", "fprinciple-1d", *QUICK, "--seeds", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    for extra in (["--resume"], []):
        code = main(["sweep", "fprinciple-1d", *QUICK, "--seeds", "2", "--out", str(out), *extra])
        err = capsys.readouterr().err
        assert code == 2 and "holds a different sweep" in err and err.count("\n") == 1
