"""The CLI contract for the Frequency Principle beyond 1-D: presets, run directories, summaries,
figures rebuilt from the directory alone, and one-line exit-2 errors on bad input."""

import json

import numpy as np
import pytest

from simbias.cli import main

PRESETS = ["fprinciple-2d", "fprinciple-projection", "fprinciple-filtering", "parity", "deep-fprinciple",
           "fprinciple-pso"]


def cli(*args):
    return main([str(a) for a in args])


def sets(*pairs):
    out = []
    for p in pairs:
        out += ["--set", p]
    return out


def summary(path):
    return json.loads((path / "summary.json").read_text())


def figures(path):
    return {p.name for p in (path / "figures").iterdir()}


def test_presets_are_listed_and_round_trip(capsys, tmp_path):
    assert cli("list") == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert name in out
    for name in PRESETS:
        assert cli("show-config", name) == 0
        text = capsys.readouterr().out
        f = tmp_path / f"{name}.toml"
        f.write_text(text)
        assert cli("show-config", f) == 0
        assert capsys.readouterr().out == text, name


def test_fprinciple_2d_run_then_report_from_the_directory(tmp_path, capsys):
    out = tmp_path / "fp2d"
    args = sets("problem.size=16", "problem.source=pattern", "model.widths=[16, 16]", "train.steps=30",
                "record.every=3", "record.n_bands=4", "record.snapshot_every=10")
    assert cli("run", "fprinciple-2d", *args, "--out", out, "--quiet", "--no-figures") == 0
    s = summary(out)
    for key in ["frequencies", "converged_step", "stays_converged_step", "threshold", "final_band_error",
                "test_error", "held_out_error", "final_train_loss"]:
        assert key in s, key
    assert len(s["frequencies"]) == len(s["converged_step"]) == 4 and s["frequencies"] == sorted(s["frequencies"])
    assert s["threshold"] == 0.2 and s["image_shape"] == [16, 16]
    want = {"image_snapshots.png", "band_error_heatmap.png", "band_error_curves.png", "spectrum_2d.png", "loss.png"}
    assert not (out / "report.html").exists()
    assert cli("report", out) == 0  # figures and report from the run directory alone
    assert want <= figures(out) and (out / "report.html").exists()


def test_fprinciple_2d_on_a_user_image(tmp_path):
    from PIL import Image

    img = (np.add.outer(np.arange(20), np.arange(24)) % 7 * 36).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "mine.png")
    out = tmp_path / "run"
    args = sets(f"problem.path={tmp_path / 'mine.png'}", "problem.size=0", "model.widths=[8]", "train.steps=5",
                "record.n_bands=3")
    assert cli("run", "fprinciple-2d", *args, "--out", out, "--quiet", "--no-figures") == 0
    assert summary(out)["image_shape"] == [20, 24]


def test_projection_with_the_cnn_on_digits(tmp_path):
    out = tmp_path / "proj"
    args = sets("model.kind=cnn", "model.channels=[4, 8]", "model.hidden=[16]", "problem.n=150", "train.steps=8",
                "record.snapshot_every=4")
    assert cli("run", "fprinciple-projection", *args, "--out", out, "--quiet") == 0
    s = summary(out)
    for key in ["frequencies", "converged_step", "threshold", "final_peak_error", "final_train_accuracy"]:
        assert key in s, key
    assert s["direction"] == "pc1" and s["loss"] == "cross_entropy" and s["n"] == 150
    assert s["frequencies"][0] == 0.0 and len(s["converged_step"]) == len(s["frequencies"])
    assert {"projection_spectrum.png", "projection_error_heatmap.png", "loss.png"} <= figures(out)


def test_projection_along_a_given_direction_on_user_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    np.savez(tmp_path / "d.npz", x=x, y=np.sin(2 * np.pi * 0.3 * x[:, 0]) + 0.2 * x[:, 1])
    out = tmp_path / "p"
    args = sets(f"problem.path={tmp_path / 'd.npz'}", "record.direction=[1, 0, 0]", "record.k_max=1.0",
                "model.widths=[8]", "train.steps=5", "record.endpoints=false", "record.component=0")
    assert cli("run", "fprinciple-projection", *args, "--out", out, "--quiet", "--no-figures") == 0
    s = summary(out)
    assert s["direction"] == "given" and s["loss"] == "mse" and abs(s["frequencies"][0] - 0.3) < 0.05


def test_filtering_on_user_npz_labels_with_chosen_deltas(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 6))
    np.savez(tmp_path / "lab.npz", x=x, y=(x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1))
    out = tmp_path / "filt"
    args = sets("problem.dataset=npz", f"problem.path={tmp_path / 'lab.npz'}", "model.widths=[16]",
                "train.steps=10", "record.snapshot_every=5")
    assert cli("run", "fprinciple-filtering", *args, "--out", out, "--quiet") == 0
    s = summary(out)
    n = len(s["deltas"])
    assert n == 3 and s["deltas"] == sorted(s["deltas"]) and s["deltas_from"] == "energy shares"
    for key in ["e_low", "e_high", "low_energy_share", "low_below_high_fraction"]:
        assert len(s[key]) == n, key
    assert s["low_energy_share"] == sorted(s["low_energy_share"], reverse=True)
    assert {"filter_errors.png", "filter_heatmap.png", "loss.png"} <= figures(out)


def test_filtering_with_given_deltas_and_mse_on_digits(tmp_path):
    out = tmp_path / "f2"
    args = sets("record.deltas=[0.5, 2.0]", "train.loss=mse", "problem.n=100", "model.widths=[8]", "train.steps=4")
    assert cli("run", "fprinciple-filtering", *args, "--out", out, "--quiet", "--no-figures") == 0
    s = summary(out)
    assert s["deltas"] == [0.5, 2.0] and s["deltas_from"] == "given" and s["loss"] == "mse"


def test_parity_deep_and_pso_runs(tmp_path):
    out = tmp_path / "par"
    assert cli("run", "parity", *sets("problem.n_bits=6", "problem.n_train=20", "model.widths=[16]",
                                      "train.steps=30", "record.every=5"), "--out", out, "--quiet") == 0
    s = summary(out)
    assert {"train_accuracy", "test_accuracy", "low_band_output", "peak_output"} <= set(s) and s["n_test"] == 44
    assert {"diagonal_spectrum.png", "accuracy.png"} <= figures(out)

    out = tmp_path / "deep"
    assert cli("run", "deep-fprinciple", *sets("model.width=8", "model.depths=[1, 2]", "train.steps=40",
                                               "train.repeats=2", "train.stop_loss=0.9"), "--out", out, "--quiet") == 0
    s = summary(out)
    assert set(s["steps_to_loss"]) == {"1", "2"} and set(s["steps_to_loss_reference"]) == {"1", "2"}
    assert len(s["lfr_final"]) == 3 and len(s["lfr_final"][0]) == len(s["lfr_deltas"])
    assert {"steps_to_loss.png", "loss_curves.png", "effective_lfr.png"} <= figures(out)

    for opt in ("pso", "es", "one_plus_one"):
        out = tmp_path / opt
        extra = ["--no-figures"] if opt != "pso" else []
        assert cli("run", "fprinciple-pso", *sets(f"train.optimizer={opt}", "train.steps=12", "train.particles=10",
                                                  "train.population=10", "record.snapshot_every=6"),
                   "--out", out, "--quiet", *extra) == 0
        s = summary(out)
        assert s["optimizer"] == opt and len(s["converged_step"]) == 3 and s["loss_evaluations"] > 12
    assert {"peak_error_heatmap.png", "fit_snapshots.png"} <= figures(tmp_path / "pso")


def _bad_npz(tmp_path):
    np.savez(tmp_path / "bad.npz", inputs=np.zeros((5, 2)), labels=np.zeros(5))
    return tmp_path / "bad.npz"


def _not_an_image(tmp_path):
    (tmp_path / "photo.png").write_text("this is not a PNG")
    return tmp_path / "photo.png"


@pytest.mark.parametrize("make,needle", [
    (lambda t: ["fprinciple-projection", "--set", "problem.dataset=npz", "--set", f"problem.path={_bad_npz(t)}"], "npz"),
    (lambda t: ["fprinciple-filtering", "--set", f"problem.path={_bad_npz(t)}"], "has no array 'x'"),
    (lambda t: ["fprinciple-projection", "--set", "record.direction=[1, 0, 0]"], "record.direction"),
    (lambda t: ["fprinciple-filtering", "--set", "record.deltas=[0, 1]"], "record.deltas"),
    (lambda t: ["fprinciple-filtering", "--set", "record.deltas=[-2.0]"], "record.deltas"),
    (lambda t: ["fprinciple-2d", "--set", f"problem.path={_not_an_image(t)}"], "image"),
    (lambda t: ["fprinciple-2d", "--set", f"problem.path={t / 'missing.png'}"], "does not exist"),
    (lambda t: ["fprinciple-projection", "--set", "problem.dataset=npz"], "problem.path"),
    (lambda t: ["fprinciple-projection", "--set", "problem.dataset=imagenet"], "problem.dataset"),
    (lambda t: ["fprinciple-projection", "--set", "problem.dataset=synthetic-projection", "--set", "model.kind=cnn"],
     "model.kind"),
    (lambda t: ["fprinciple-projection", "--set", "problem.dataset=synthetic-projection", "--set",
                "train.loss=cross_entropy"], "train.loss"),
    (lambda t: ["parity", "--set", "problem.n_train=1024"], "problem.n_train"),
    (lambda t: ["fprinciple-pso", "--set", "train.optimizer=lbfgs"], "train.optimizer"),
    (lambda t: ["fprinciple-pso", "--set", "train.particles=1"], "train.particles"),
    (lambda t: ["deep-fprinciple", "--set", "model.depths=[0, 1]"], "model.depths"),
])
def test_bad_input_is_one_line_and_exit_2(make, needle, tmp_path, capsys):
    assert cli("run", *make(tmp_path), "--out", tmp_path / "o", "--quiet") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err, err


def test_parity_sweep_trains_in_lockstep_and_a_member_equals_its_run(tmp_path):
    args = sets("problem.n_bits=6", "problem.n_train=20", "model.widths=[16]", "train.steps=30", "record.every=5")
    assert cli("sweep", "parity", *args, "--grid", "seed=0,1", "--out", tmp_path / "sw", "--quiet") == 0
    members = sorted((tmp_path / "sw" / "members").iterdir())
    manifests = [json.loads((m / "manifest.json").read_text()) for m in members]
    assert all(m["outcome"] == "completed" and m["sweep"]["bucket_size"] == 2 for m in manifests)
    one = next(m for m, man in zip(members, manifests) if man["seed"] == 1)
    assert cli("run", "parity", *args, "--set", "seed=1", "--out", tmp_path / "run", "--quiet", "--no-figures") == 0
    got, want = summary(one), summary(tmp_path / "run")
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=1e-5, abs=1e-7), k
