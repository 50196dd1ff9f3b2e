"""Command line interface (``simbias``)."""

import sys as _sys


def main(argv=None) -> int:
    from ._main import main as _main

    code = _main(argv)
    if argv is None:
        _sys.exit(code)
    return code


__all__ = ["main"]
