"""Plain data passed between layers: the recorded history of a training run.

A :class:`History` holds NumPy arrays keyed by probe name.  Arrays of a single run have the
record axis first (``(n_records, ...)``); arrays of an ensemble have the member axis first
(``(n_members, n_records, ...)``).  ``steps`` holds the training step of every record.
Static (non-recorded) arrays such as the evaluation grid live in ``static``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Outcome

__all__ = ["History"]


@dataclass
class History:
    """Arrays recorded during training.

    Attributes:
        steps: ``(n_records,)`` int array, the step at which each record was taken (step 0 is
            the initial state, before any update).
        arrays: recorded arrays by name, record axis first (member axis first for ensembles).
        static: arrays that do not change during training (grids, targets, peak indices).
        outcome: how the run ended (per member for ensembles: a list).
        diverged_step: step at which the loss became non-finite, or ``None``.
        info: small JSON-able facts about the run (wall time, steps done, ...).
    """

    steps: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    static: dict[str, np.ndarray] = field(default_factory=dict)
    outcome: Outcome | list[Outcome] = Outcome.COMPLETED
    diverged_step: int | None | list[int | None] = None
    info: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.arrays:
            return self.arrays[name]
        if name in self.static:
            return self.static[name]
        raise KeyError(f"history has no array {name!r}; it has {sorted({*self.arrays, *self.static})}")

    def __contains__(self, name: str) -> bool:
        return name in self.arrays or name in self.static

    def to_npz_dict(self) -> dict[str, np.ndarray]:
        """Flat dict for ``np.savez``: ``steps``, recorded arrays, and ``static/<name>``."""
        out = {"steps": np.asarray(self.steps)}
        out.update({k: np.asarray(v) for k, v in self.arrays.items()})
        out.update({f"static/{k}": np.asarray(v) for k, v in self.static.items()})
        return out

    @classmethod
    def from_npz_dict(cls, data: dict[str, np.ndarray]) -> "History":
        arrays, static = {}, {}
        for k, v in data.items():
            if k == "steps":
                continue
            if k.startswith("static/"):
                static[k[len("static/"):]] = v
            else:
                arrays[k] = v
        return cls(steps=np.asarray(data["steps"]), arrays=arrays, static=static)

    # ---- results as data (notebooks): pandas / xarray views and short reprs ----------------
    # Per-record arrays are those whose record axis (after the member axis of an ensemble) has
    # the length of ``steps`` (cheap probes) or of ``static["snapshot_steps"]`` (snapshot probes).
    # Wide per-record arrays (more than ``max_width`` values per record, e.g. output snapshots)
    # are left out of the tables; read them with ``history[name]``.

    # entry axis → (dimension name, static array holding its coordinate, coordinate name)
    _ENTRY_DIMS = {"peak_error": ("peak", "peak_frequencies", "frequency"),
                   "projection_error": ("projection_peak", "projection_frequencies", "projection_frequency"),
                   "e_low": ("delta", "filter_deltas", "delta_value"),
                   "e_high": ("delta", "filter_deltas", "delta_value"),
                   "band_error": ("band", "band_frequencies", "band_frequency"),
                   "test_band_error": ("test_band", "test_band_frequencies", "test_band_frequency"),
                   "effective_lfr": ("layer", None, None),
                   "projection_spectrum": ("projection_k", "projection_k", "projection_k_value"),
                   "diagonal_spectrum": ("kappa", None, None)}

    def _is_ensemble(self) -> bool:
        if isinstance(self.outcome, list):
            return True
        n = len(self.steps)
        return bool(self.arrays) and all(np.ndim(v) >= 2 and np.shape(v)[0] != n and np.shape(v)[1] == n
                                         for v in self.arrays.values())

    def _record_arrays(self, max_width: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{name: (steps, values)}``, values shaped (members, records, width)."""
        ens = self._is_ensemble()
        snap = self.static.get("snapshot_steps")
        out = {}
        for name, v in self.arrays.items():
            a = np.asarray(v)
            a = a if ens else a[None]
            if a.ndim < 2 or not np.issubdtype(a.dtype, np.number):
                continue
            r = a.shape[1]
            if r == len(self.steps):
                st = np.asarray(self.steps)
            elif snap is not None and r == len(snap):
                st = np.asarray(snap)
            else:
                continue
            a = a.reshape(a.shape[0], r, -1)
            if a.shape[2] > max_width:
                continue
            out[name] = (st, a)
        return out

    def to_pandas(self, form: str = "long", *, max_width: int = 64):
        """The recorded arrays as a :class:`pandas.DataFrame`.

        Parameters
        ----------
        form : {"long", "wide"}
            ``"long"``: one row per (member, step, name, index) with a ``value`` column (tidy data
            for seaborn/groupby); ``"wide"``: one row per (member, step), one column per scalar
            and ``name[i]`` per entry of a per-peak (per-δ, per-band) array.
        max_width : int
            Per-record arrays with more entries than this (output snapshots) are left out.

        Returns
        -------
        pandas.DataFrame
            The ``member`` column appears only for ensembles.

        Examples
        --------
        >>> df = simbias.load("runs/fprinciple-1d").history.to_pandas()
        >>> df[df.name == "peak_error"].pivot(index="step", columns="index", values="value")
        """
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is a core dependency
            raise ImportError("History.to_pandas needs pandas: pip install pandas") from None
        if form not in ("long", "wide"):
            from .errors import InputError

            raise InputError("form", f"got {form!r}", "use 'long' or 'wide'")
        ens = self._is_ensemble()
        recs = self._record_arrays(max_width)
        if form == "long":
            parts = []
            for name, (st, a) in recs.items():
                m, r, w = a.shape
                part = {"step": np.tile(np.repeat(st, w), m), "name": name,
                        "index": np.tile(np.arange(w), m * r), "value": a.reshape(-1).astype(np.float64)}
                if ens:
                    part = {"member": np.repeat(np.arange(m), r * w), **part}
                parts.append(pd.DataFrame(part))
            cols = (["member"] if ens else []) + ["step", "name", "index", "value"]
            return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
        frames = []
        for name, (st, a) in recs.items():
            m, r, w = a.shape
            cols = [name] if w == 1 else [f"{name}[{i}]" for i in range(w)]
            df = pd.DataFrame(a.reshape(m * r, w).astype(np.float64), columns=cols)
            df.insert(0, "step", np.tile(st, m))
            if ens:
                df.insert(0, "member", np.repeat(np.arange(m), r))
            frames.append(df.set_index((["member"] if ens else []) + ["step"]))
        if not frames:
            return pd.DataFrame({"step": np.asarray(self.steps)})
        wide = frames[0]
        for f in frames[1:]:
            wide = wide.join(f, how="outer")
        return wide.reset_index()

    def to_xarray(self, *, max_width: int | None = None):
        """The recorded arrays as an :class:`xarray.Dataset` with named dimensions.

        Dimensions: ``member`` (ensembles), ``step`` (``snapshot_step`` for snapshot probes), and
        one per entry axis: ``peak`` (Δ_F; coordinate ``frequency`` from the peak frequencies),
        ``delta`` (filtering), ``band``, ``frequency`` (spectra), else ``<name>_dim<i>``.  Static
        arrays become variables with their own ``<name>_dim<i>`` dimensions.  Needs the optional
        extra ``xarray`` (``pip install simbias[xarray]``).

        Examples
        --------
        >>> ds = history.to_xarray(); ds.peak_error.sel(step=100)
        """
        try:
            import xarray as xr
        except ImportError:
            from .errors import InputError

            raise InputError("History.to_xarray", "needs the optional package xarray",
                             "pip install 'simbias[xarray]' (or pip install xarray)") from None
        ens = self._is_ensemble()
        snap = self.static.get("snapshot_steps")
        data_vars, coords = {}, {"step": np.asarray(self.steps)}
        if snap is not None:
            coords["snapshot_step"] = np.asarray(snap)
        lead = ["member"] if ens else []
        for name, v in self.arrays.items():
            a = np.asarray(v)
            if a.ndim <= len(lead):
                continue
            r = a.shape[len(lead)]
            sdim = ("step" if r == len(self.steps) else
                    "snapshot_step" if snap is not None and r == len(snap) else f"{name}_record")
            rest = a.shape[len(lead) + 1:]
            if max_width is not None and int(np.prod(rest)) > max_width:
                continue
            entry, cname, coord = self._ENTRY_DIMS.get(name, (None, None, None))
            dims = lead + [sdim] + [entry if (i == 0 and entry) else f"{name}_dim{i}" for i in range(len(rest))]
            data_vars[name] = (dims, a)
            if cname in self.static and rest and np.size(self.static[cname]) == rest[0]:
                coords.setdefault(coord, (dims[len(lead) + 1], np.ravel(self.static[cname])))
        for name, v in self.static.items():
            if name == "snapshot_steps":
                continue
            a = np.asarray(v)
            data_vars[f"static_{name}"] = ([f"static_{name}_dim{i}" for i in range(a.ndim)], a)
        if ens:
            coords["member"] = np.arange(next(iter(self.arrays.values())).shape[0]) if self.arrays else np.arange(0)
        return xr.Dataset(data_vars, coords=coords, attrs={"outcome": str(self._outcome_text())})

    def _outcome_text(self) -> str:
        o = self.outcome
        if isinstance(o, list):
            vals = [getattr(x, "value", str(x)) for x in o]
            return ", ".join(f"{v}×{vals.count(v)}" for v in dict.fromkeys(vals))
        return str(getattr(o, "value", o))

    def __repr__(self) -> str:
        st = np.asarray(self.steps)
        span = f"{int(st[0])}…{int(st[-1])}" if len(st) else "none"
        arrays = ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in self.arrays.items())
        return (f"History(outcome={self._outcome_text()}, {len(st)} records at steps {span}, "
                f"arrays: {arrays or 'none'}; static: {', '.join(self.static) or 'none'})")

    def _repr_html_(self) -> str:
        import html as _html

        st = np.asarray(self.steps)
        rows = "".join(
            f"<tr><td><code>{_html.escape(k)}</code></td><td>{tuple(np.shape(v))}</td><td>{_html.escape(_last(v))}</td></tr>"
            for k, v in self.arrays.items())
        return (f"<div><b>History</b> · outcome <b>{_html.escape(self._outcome_text())}</b> · {len(st)} records"
                f"{f' (steps {int(st[0])}–{int(st[-1])})' if len(st) else ''}"
                f"<table><tr><th>array</th><th>shape</th><th>last record</th></tr>{rows}</table>"
                f"<small>static: {_html.escape(', '.join(self.static) or 'none')}</small></div>")


def _last(v) -> str:
    """The last record of an array as short text (≤ 6 numbers)."""
    a = np.asarray(v)
    if a.ndim == 0 or a.size == 0 or not np.issubdtype(a.dtype, np.number):
        return ""
    last = np.ravel(a[-1])
    text = ", ".join(f"{x:.3g}" for x in last[:6])
    return text + (", …" if last.size > 6 else "")
