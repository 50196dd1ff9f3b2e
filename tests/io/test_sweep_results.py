"""io.load_sweep_results: a sweep directory's sweep.toml and results.csv read back as written."""

import pytest

from simbias.errors import InputError
from simbias.io import SweepDir, load_sweep_results


def _sweep(path, definition: str, columns, rows) -> SweepDir:
    d = SweepDir(path)
    d.claim("0123456789abcdef", resume=False)
    d.write_definition(definition)
    d.write_results(columns, rows)
    d.release()
    return d


def test_grid_then_zip_keys_and_rows_as_strings(tmp_path):
    definition = ('[sweep]\nname = "s"\nexperiment = "fprinciple"\nhash = "0123456789abcdef"\n'
                  'grid = [["train.lr", [0.001, 0.01]]]\n'
                  'zip = [["model.width", [8, 16]], ["problem.n_train", [32, 64]]]\n'
                  "seeds = [0, 1]\n")
    cols = ["member_id", "train.lr", "model.width", "problem.n_train", "seed", "outcome", "final_loss"]
    rows = [{"member_id": f"m{i}", "train.lr": lr, "model.width": w, "problem.n_train": n, "seed": s,
             "outcome": "completed", "final_loss": lr * w + s} for i, (lr, w, n, s) in
            enumerate([(0.001, 8, 32, 0), (0.01, 16, 64, 1)])]
    _sweep(tmp_path / "sw", definition, cols, rows)
    sw = load_sweep_results(str(tmp_path / "sw"))
    assert sw["path"] == tmp_path / "sw" and sw["columns"] == cols
    assert sw["meta"]["name"] == "s" and sw["meta"]["seeds"] == [0, 1]
    assert sw["keys"] == ["train.lr", "model.width", "problem.n_train"]
    assert [r["member_id"] for r in sw["rows"]] == ["m0", "m1"]
    assert [float(r["final_loss"]) for r in sw["rows"]] == [0.008, 1.16]  # full precision kept through the CSV
    assert all(isinstance(v, str) for r in sw["rows"] for v in r.values())


def test_missing_or_damaged_files_are_named(tmp_path):
    with pytest.raises(InputError, match="sweep.toml"):
        load_sweep_results(tmp_path)
    (tmp_path / "sweep.toml").write_text("[sweep\n", encoding="utf-8")
    with pytest.raises(InputError, match="sweep.toml"):
        load_sweep_results(tmp_path)
    (tmp_path / "sweep.toml").write_text('[sweep]\nname = "s"\n', encoding="utf-8")
    with pytest.raises(InputError, match="results.csv"):
        load_sweep_results(tmp_path)
