"""Plugins: a user's experiment kind from one file (--plugin) or an installed package (entry points).

The shipped example (examples/plugin_experiment.py) runs and sweeps through the CLI like a built-in
kind: run directory, its own figure, report, lockstep sweep members equal to their own runs
(float32 tolerance table).  Bad plugin input exits 2 with one line naming --plugin.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import assert_histories_close
from simbias.cli import main

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = str(ROOT / "examples" / "plugin_experiment.py")
SPEC = str(ROOT / "examples" / "plugin_experiment.toml")
TINY = ["--set", "train.steps=60", "--set", "record.every=20", "--set", "model.widths=[16,16]"]


def _one_error_line(capsys, *words):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("simbias: error:"), err
    assert all(w in err[0] for w in words), err[0]


def test_run_with_a_plugin_writes_a_full_run_directory(tmp_path, capsys):
    assert main(["run", SPEC, "--plugin", PLUGIN, "--out", str(tmp_path / "r"), "--quiet", *TINY]) == 0
    r = tmp_path / "r"
    for name in ("spec.toml", "manifest.json", "history.npz", "summary.json", "report.html",
                 "figures/band_convergence.png"):
        assert (r / name).is_file(), name
    s = json.loads((r / "summary.json").read_text())
    assert s["family"] == "sines" and len(s["final_band_error"]) == 5 and s["final_train_loss"] > 0
    assert json.loads((r / "manifest.json").read_text())["outcome"] == "completed"
    assert "band_convergence.png" in (r / "report.html").read_text()
    assert "sines: Δ <" in capsys.readouterr().out


def test_sweep_with_a_plugin_trains_its_seeds_in_lockstep(tmp_path):
    sw = tmp_path / "sw"
    assert main(["sweep", SPEC, "--plugin", PLUGIN, "--seeds", "3", "--out", str(sw), "--quiet", *TINY]) == 0
    rows = (sw / "results.csv").read_text().splitlines()
    assert len(rows) == 4 and all(",completed," in r for r in rows[1:])
    members = sorted((sw / "members").iterdir())
    assert [json.loads((m / "manifest.json").read_text())["sweep"]["bucket_size"] for m in members] == [3, 3, 3]
    assert main(["run", SPEC, "--plugin", PLUGIN, "--set", "seed=1", "--out", str(tmp_path / "r1"), "--quiet",
                 "--no-figures", *TINY]) == 0
    m1 = next(m for m in members if "seed = 1" in (m / "spec.toml").read_text())
    assert_histories_close(tmp_path / "r1" / "history.npz", m1 / "history.npz")


def test_show_config_resolves_the_plugin_spec(capsys):
    assert main(["show-config", SPEC, "--plugin", PLUGIN, "--set", "problem.family=chirp"]) == 0
    out = capsys.readouterr().out
    assert 'experiment = "fprinciple-family"' in out and 'family = "chirp"' in out


def test_without_the_plugin_the_kind_is_unknown(tmp_path, capsys):
    spec = tmp_path / "other.toml"
    spec.write_text('experiment = "no-such-kind"\n')
    assert main(["show-config", str(spec)]) == 2
    _one_error_line(capsys, "no-such-kind", "--plugin")


@pytest.mark.parametrize("case,words", [
    ("missing", ["--plugin", "does not exist"]),
    ("not_py", ["--plugin", "is not a .py file"]),
    ("import_error", ["--plugin", "failed to import", "ZeroDivisionError"]),
    ("nothing", ["--plugin", "registered no experiment kind"]),
    ("builtin", ["--plugin", "'fprinciple'", "already registered"]),
])
def test_bad_plugin_input_is_one_line_and_exit_2(tmp_path, capsys, case, words):
    files = {"not_py": ("kind.txt", "x = 1\n"), "import_error": ("broken.py", "1 / 0\n"),
             "nothing": ("empty.py", "import simbias\n"),
             "builtin": ("clash.py", textwrap.dedent("""
                 from simbias.experiments import Kind, register_kind, FPrincipleSpec
                 register_kind(Kind("fprinciple", FPrincipleSpec, lambda s, d: None, lambda s, p, h: {}))
             """))}
    path = tmp_path / "missing.py"
    if case in files:
        path = tmp_path / files[case][0]
        path.write_text(files[case][1])
    assert main(["run", SPEC, "--plugin", str(path), "--out", str(tmp_path / "r"), *TINY]) == 2
    _one_error_line(capsys, *words)
    assert not (tmp_path / "r").exists()
    from simbias.experiments._kind import KINDS

    assert KINDS["fprinciple"].build.__name__ == "build_fprinciple"  # a refused plugin leaves the registry as it was


def test_installed_package_kinds_come_from_entry_points(tmp_path):
    """A package with a ``simbias.experiments`` entry point (here a dist-info folder on the path)."""
    site = tmp_path / "site"
    (site / "fam_pkg-0.1.dist-info").mkdir(parents=True)
    (site / "fam_pkg-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fam-pkg\nVersion: 0.1\n")
    (site / "fam_pkg-0.1.dist-info" / "entry_points.txt").write_text(
        "[simbias.experiments]\nfamily = fam_kinds\nbroken = no_such_module_xyz\n")
    (site / "fam_kinds.py").write_text(f"from simbias.experiments import load_plugin\nload_plugin({PLUGIN!r})\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "src")]), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-m", "simbias", "show-config", SPEC], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'experiment = "fprinciple-family"' in out.stdout
    # the broken entry point is skipped with one line; the CLI goes on
    assert out.stderr.count("skipped the experiment kinds of no_such_module_xyz") == 1
