"""The public API is pinned: the names below (``tools/public_names.py``) and a numpy-style docstring
on every public class and function (a Parameters section when it takes arguments, Returns for a
function, and an example).  Adding a public name is a decision: add it here on purpose."""

import inspect
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from public_names import public_names  # noqa: E402

PINNED = Path(__file__).parent / "data" / "public_names.txt"


def _listed() -> list[str]:
    return [f"{mod}.{n}" for mod, names in public_names().items() for n in names]


def test_public_names_are_pinned():
    want = PINNED.read_text(encoding="utf-8").split()
    have = _listed()
    assert sorted(set(have) - set(want)) == [], "new public names: add them to tests/data/public_names.txt on purpose"
    assert sorted(set(want) - set(have)) == [], "public names removed: keep an alias or update the pin on purpose"


def _objects():
    for mod, names in public_names().items():
        m = __import__(mod, fromlist=["_"])
        for n in names:
            try:
                o = getattr(m, n)
            except (ImportError, AttributeError):  # an optional extra (e.g. lightning) is missing
                continue
            if inspect.isclass(o) or inspect.isfunction(o):
                yield f"{mod}.{n}", o


def _takes_arguments(o) -> bool:
    try:
        target = o.__init__ if inspect.isclass(o) else o
        params = [p for p in inspect.signature(target).parameters if p not in ("self", "cls")]
    except (TypeError, ValueError):
        return False
    if inspect.isclass(o) and target is object.__init__:
        return False
    return bool(params)


@pytest.mark.parametrize("name,obj", list(_objects()), ids=lambda v: v if isinstance(v, str) else "")
def test_numpy_docstring(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    if _takes_arguments(obj) and not issubclass(obj, BaseException) if inspect.isclass(obj) else _takes_arguments(obj):
        assert "Parameters" in doc, f"{name}: no Parameters section"
    if inspect.isfunction(obj):
        assert "Returns" in doc or "Yields" in doc, f"{name}: no Returns section"
    assert "Example" in doc or ">>>" in doc, f"{name}: no example"
