"""io's TOML reading and writing: round trips, the nesting cap, and files refused with their name."""

import math

import pytest

from simbias.errors import InputError
from simbias.io import MAX_NESTING, load_toml_text, parse_value, read_spec_file, read_spec_text, to_toml
from simbias.io._toml import _nesting


def test_to_toml_round_trips_nested_tables_and_special_floats():
    data = {"seed": 3, "name": 'a "quoted" γ', "flag": False, "train": {"lr": 1e-3, "widths": [[1, 2], [3]]},
            "a": {"b": {"c": [1.5, -2.0]}, "x": float("inf")}}
    again = load_toml_text(to_toml(data), "x.toml")
    assert again == data
    assert math.isnan(load_toml_text(to_toml({"v": float("nan")}), "x.toml")["v"])
    with pytest.raises(TypeError):
        to_toml({"v": None})


def test_nesting_cap_counts_brackets_outside_strings_and_comments():
    assert _nesting("a = [[1], {b = [2]}]") == 3
    assert _nesting('a = "[[[" # [[[[\nb = [1]') == 1  # strings and comments do not nest
    assert _nesting("a = '[[' \nb = \"\\\"[\"") == 0  # an escaped quote stays inside its string
    assert _nesting("]]] [") == 1
    deep = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert parse_value(deep) == load_toml_text(f"v = {deep}", "f.toml")["v"]
    with pytest.raises(InputError, match=r"^model\.widths: the value nests lists more than 64 deep"):
        parse_value("[" + deep + "]", name="model.widths")
    with pytest.raises(InputError, match=r"^f\.toml: nests lists or tables more than 64 deep"):
        load_toml_text("v = [" + deep + "]", "f.toml")


def test_parse_value_reads_toml_else_keeps_the_string():
    assert parse_value("1e-3") == 1e-3 and parse_value("true") is True and parse_value('"a b"') == "a b"
    assert parse_value("[200, 100]") == [200, 100]
    assert parse_value("sin(x)+0.5*sin(6*x)") == "sin(x)+0.5*sin(6*x)"


@pytest.mark.parametrize("make, words", [
    (lambda p: None, ["does not exist"]),
    (lambda p: p.mkdir(), ["is a directory"]),
    (lambda p: p.write_bytes("seed = 1".encode("utf-16")), ["not UTF-8"]),
])
def test_read_spec_text_names_the_file(tmp_path, make, words):
    p = tmp_path / "spec.toml"
    make(p)
    with pytest.raises(InputError) as err:
        read_spec_text(p)
    assert str(p) in str(err.value) and all(w in str(err.value) for w in words)


@pytest.mark.parametrize("content", [b"\xff\xfe[[[", b"seed = ", b"v = " + b"[" * 200 + b"]" * 200])
def test_read_spec_file_reports_a_damaged_file(tmp_path, content):
    p = tmp_path / "spec.toml"
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_spec_file(p)
    assert str(err.value).startswith(f"{p}: is damaged") and "rerun" in str(err.value)
    p.write_text(to_toml({"seed": 1, "model": {"widths": [8]}}), encoding="utf-8")
    assert read_spec_file(p) == {"seed": 1, "model": {"widths": [8]}}
