"""Command line interface (``simbias``)."""

import sys as _sys


def main(argv=None) -> int:
    """Run the ``simbias`` command line.

    Bad input prints one line on stderr and gives exit code 2; a failure during a run gives 1.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name.  ``None`` reads ``sys.argv`` and exits the process
        with the code (the console-script entry point); a list returns the code instead.

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad input, 1 for a failed run, 130 when interrupted.
        Malformed flags are argparse's: it prints the usage and raises ``SystemExit(2)``.

    Examples
    --------
    >>> main(["list"])  # prints the presets and experiment kinds  # doctest: +SKIP
    0
    >>> main(["run", "fprinciple-1d", "--out", "runs/f1"])  # trains; writes the run directory  # doctest: +SKIP
    0
    """
    from ._main import main as _main

    code = _main(argv)
    if argv is None:
        _sys.exit(code)
    return code


__all__ = ["main"]
