"""Loading a sweep directory's results back: ``sweep.toml`` and ``results.csv`` in one dict."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from ._store import read_spec_file
from ._sweepdir import SWEEP_FILE, SweepDir

__all__ = ["load_sweep_results"]


def load_sweep_results(path: str | os.PathLike) -> dict[str, Any]:
    """Load a sweep directory's definition and results table (what sweep figures and reports are drawn from).

    A missing ``sweep.toml`` or ``results.csv``, or a damaged one, raises
    :class:`~simbias.errors.InputError` naming it.

    Parameters
    ----------
    path : str or os.PathLike
        A sweep directory written by ``simbias sweep``.

    Returns
    -------
    dict
        ``"path"`` (Path), ``"meta"`` (the ``[sweep]`` table of ``sweep.toml``), ``"columns"`` and
        ``"rows"`` (``results.csv``: column names and one dict of strings per member) and ``"keys"``
        (the swept spec keys: the ``grid`` keys, then the ``zip`` keys).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from simbias.io import SweepDir, load_sweep_results
    >>> d = SweepDir(tempfile.mkdtemp() + "/sweep")
    >>> d.claim("feedc0de", resume=False)
    False
    >>> d.write_definition('[sweep]\\nname = "lr"\\ngrid = [["train.lr", [0.01, 0.1]]]\\n')
    >>> d.write_results(["member_id", "train.lr", "seed", "outcome"],
    ...                 [{"member_id": "a1", "train.lr": 0.01, "seed": 0, "outcome": "completed"}])
    >>> d.release()
    >>> sw = load_sweep_results(d.path)
    >>> sw["meta"]["name"], sw["keys"], sw["rows"][0]["train.lr"]
    ('lr', ['train.lr'], '0.01')
    """
    p = Path(path)
    if not (p / SWEEP_FILE).exists():
        raise InputError("DIR", f"{p} is not a sweep directory (no {SWEEP_FILE})",
                         "give a directory written by simbias sweep")
    meta = read_spec_file(p / SWEEP_FILE).get("sweep", {})
    columns, rows = SweepDir(p).read_results()
    keys = [k for k, _ in meta.get("grid", [])] + [k for k, _ in meta.get("zip", [])]
    return {"path": p, "meta": meta, "columns": columns, "rows": rows, "keys": keys}
