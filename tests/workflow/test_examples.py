"""examples/own_loop.py and examples/lightning_callback.py run (shortened) and write readable run dirs."""

import importlib.util
import sys
from pathlib import Path

import pytest

import simbias

EX = Path(__file__).resolve().parents[2] / "examples"


def _module(name):
    sys.path.insert(0, str(EX))
    spec = importlib.util.spec_from_file_location(name, EX / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_own_loop_example(tmp_path):
    _module("own_loop").main(str(tmp_path / "own"), epochs=2)
    run = simbias.load(tmp_path / "own")
    assert (tmp_path / "own" / "report.html").exists() and run.history["e_low"].shape[1] == 3
    assert run.history.steps[-1] == 20


def test_lightning_example(tmp_path):
    pytest.importorskip("lightning")
    _module("lightning_callback").main(str(tmp_path / "pl"), epochs=2)
    assert simbias.load(tmp_path / "pl").history.steps[-1] == 20
