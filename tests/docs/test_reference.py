"""The generated reference pages and the command check of the docs build (docs/_hooks.py).

Fast (no site build, no browser); skipped where the docs extra (mkdocs) is not installed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("simbias_docs_hooks", ROOT / "docs" / "_hooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("simbias_docs_hooks", module)
    spec.loader.exec_module(module)
    return module


def test_spec_reference_lists_every_key_of_every_kind(hooks):
    from simbias.experiments import KINDS
    from simbias.experiments._spec import valid_keys

    page = hooks._spec_reference()
    for kind, exp in KINDS.items():
        assert f"## `{kind}`" in page
        section = page.split(f"## `{kind}`", 1)[1].split("\n## `", 1)[0]
        missing = [k for k in valid_keys(exp.spec) if f"| `{k}` |" not in section]
        assert not missing, f"{kind}: keys missing from the spec reference: {missing}"


def test_spec_reference_shows_types_defaults_and_docs(hooks):
    page = hooks._spec_reference()
    section = page.split("## `fprinciple`", 1)[1].split("\n## `", 1)[0]
    row = next(line for line in section.splitlines() if line.startswith("| `record.threshold` |"))
    assert "| float |" in row and "`0.1`" in row and "converged" in row
    row = next(line for line in section.splitlines() if line.startswith("| `dtype` |"))
    assert '"float32" \\| "float64"' in row


def test_cli_reference_lists_every_verb_and_flag(hooks):
    page = hooks._cli_reference()
    parser = hooks._parser()
    for name, sub in hooks._subcommands(parser).items():
        assert f"## `simbias {name}`" in page
        for action in sub._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in page, f"simbias {name}: {flag} missing from the CLI reference"


def test_command_check_accepts_valid_and_refuses_drifted_commands(hooks):
    from mkdocs.exceptions import PluginError

    good = "```bash\nsimbias run fprinciple-1d --set train.lr=1e-3 --out runs/x   # a comment\n" \
           "simbias sweep condensation-1d --grid model.init_t=0.1,1 --seeds 2\n```\n"
    hooks._check_commands(good, "good.md")
    with pytest.raises(PluginError, match="model.nope"):
        hooks._check_commands("```bash\nsimbias run fprinciple-1d --set model.nope=1\n```\n", "bad.md")
    with pytest.raises(PluginError, match="does not parse"):
        hooks._check_commands("```bash\nsimbias run fprinciple-1d --no-such-flag\n```\n", "bad.md")
    with pytest.raises(PluginError, match="train.lr"):
        hooks._check_commands("```bash\nsimbias sweep fprinciple-1d --grid train.lr=1e-3,oops\n```\n", "bad.md")


def test_notebooks_are_stored_without_outputs_and_read_the_size():
    nbformat = pytest.importorskip("nbformat")
    notebooks = sorted((ROOT / "docs" / "gallery").glob("*.ipynb"))
    assert len(notebooks) >= 10
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} is stored with outputs"
        header = code[0].source
        assert 'find_spec("simbias")' in header and "%pip install" in header, f"{path.name}: no install header"
        assert "SIMBIAS_DOCS_SIZE" in header, f"{path.name}: does not read SIMBIAS_DOCS_SIZE"
