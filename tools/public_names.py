"""List simbias's public names: every name a user reaches without a leading underscore.

For the top-level package and each subpackage: its ``__all__`` when it has one, else every name in
its namespace that does not start with ``_`` (submodules included).  ``tests/test_public_api.py``
pins this list.

Usage::

    python tools/public_names.py            # one "namespace.name" per line, then the count
"""

from __future__ import annotations

import importlib
import pkgutil
import sys


def public_names() -> dict[str, list[str]]:
    import simbias

    out: dict[str, list[str]] = {}
    mods = ["simbias"] + sorted(f"simbias.{m.name}" for m in pkgutil.iter_modules(simbias.__path__)
                                if m.ispkg and not m.name.startswith("_"))
    for name in mods:
        mod = importlib.import_module(name)
        names = getattr(mod, "__all__", None)
        if names is None:
            names = [n for n in vars(mod) if not n.startswith("_")]
        out[name] = sorted(names)
    return out


def main() -> int:
    names = public_names()
    total = 0
    for mod, ns in names.items():
        for n in ns:
            print(f"{mod}.{n}")
        total += len(ns)
    print(f"{total} public names in {len(names)} namespaces", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
