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

    Parameters
    ----------
    steps : numpy.ndarray
        ``(n_records,)`` int array, the step at which each record was taken (step 0 is the
        initial state, before any update).
    arrays : dict of str to numpy.ndarray, optional
        Recorded arrays by name, record axis first (member axis first for ensembles).
    static : dict of str to numpy.ndarray, optional
        Arrays that do not change during training (grids, targets, peak indices).
    outcome : Outcome or list of Outcome, default Outcome.COMPLETED
        How the run ended (per member for ensembles: a list).
    diverged_step : int or None or list, optional
        Step at which the loss became non-finite, or ``None``.
    info : dict, optional
        Small JSON-able facts about the run (wall time, steps done, ...).

    Examples
    --------
    >>> import numpy as np
    >>> h = History(steps=np.array([0, 10, 20]), arrays={"loss": np.array([1.0, 0.5, 0.2])})
    >>> "loss" in h, h.diverged
    (True, False)
    """

    steps: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    static: dict[str, np.ndarray] = field(default_factory=dict)
    outcome: Outcome | list[Outcome] = Outcome.COMPLETED
    diverged_step: int | None | list[int | None] = None
    info: dict[str, Any] = field(default_factory=dict)

    def _get_array(self, name: str) -> np.ndarray:
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

    # ---- divergence, concatenation and slicing (engine) -----------------------------------
    # A single run's arrays have the record axis first; an ensemble's (``info["n_members"]``) the
    # member axis first and the record axis second.  Arrays named in ``info["snapshot_arrays"]``
    # follow ``static["snapshot_steps"]``, every other array follows ``steps``.

    @property
    def diverged(self) -> bool:
        """Whether the run (for an ensemble: any member) diverged."""
        if isinstance(self.outcome, list):
            return any(str(o) == Outcome.DIVERGED.value for o in self.outcome)
        return str(self.outcome) == Outcome.DIVERGED.value

    def divergence_error(self, hint: str = "lower train.lr", *, summary: dict | None = None):
        """The :class:`~simbias.errors.DivergenceError` describing this diverged single run.

        Parameters
        ----------
        hint : the fix the user reads.
        summary : the experiment's numbers so far (written to ``summary.json``).

        Returns
        -------
        DivergenceError
            carrying this history, ready to ``raise``.

        Examples
        --------
        >>> h = fit(model, problem, opt, steps=100)            # doctest: +SKIP
        >>> if h.diverged:                                      # doctest: +SKIP
        ...     raise h.divergence_error("lower train.lr")
        """
        from .errors import DivergenceError

        step = self.diverged_step if not isinstance(self.diverged_step, list) else \
            min(d for d in self.diverged_step if d is not None)
        return DivergenceError(int(step), float(self.info.get("diverged_loss", float("nan"))), hint,
                               history=self, summary=summary)

    def _ensemble(self) -> bool:
        return "n_members" in self.info

    def _snapshot_keys(self) -> set[str]:
        return set(self.info.get("snapshot_arrays", ()))

    def _take(self, rec_keep: np.ndarray, snap_keep: np.ndarray | None, loss_stop: int | None,
              steps_done: int | None) -> "History":
        ax = 1 if self._ensemble() else 0
        snaps = self._snapshot_keys()
        arrays = {}
        for k, v in self.arrays.items():
            keep = snap_keep if k in snaps and snap_keep is not None else rec_keep
            arrays[k] = np.compress(keep, v, axis=ax)
        static = dict(self.static)
        if snap_keep is not None and "snapshot_steps" in static:
            static["snapshot_steps"] = np.asarray(static["snapshot_steps"])[snap_keep]
        if loss_stop is not None and "loss" in static:
            static["loss"] = np.asarray(static["loss"])[..., :loss_stop]
        info = dict(self.info)
        if steps_done is not None:
            info["steps_done"] = int(steps_done)
        return History(steps=np.asarray(self.steps)[rec_keep], arrays=arrays, static=static,
                       outcome=self.outcome, diverged_step=self.diverged_step, info=info)

    def until(self, step: int) -> "History":
        """The history of the first ``step`` updates: records and snapshots at steps ≤ ``step``
        and the per-step losses of steps < ``step``.

        Parameters
        ----------
        step : the last state kept (number of updates).

        Returns
        -------
        History

        Examples
        --------
        >>> h.until(100).steps[-1] <= 100                       # doctest: +SKIP
        True
        """
        step = int(step)
        snap = np.asarray(self.static["snapshot_steps"]) if "snapshot_steps" in self.static else None
        return self._take(np.asarray(self.steps) <= step, None if snap is None else snap <= step, step,
                          min(step, int(self.info.get("steps_done", step))))

    def select(self, steps) -> "History":
        """Only the records (and snapshots) taken at the given steps; static arrays unchanged.

        Parameters
        ----------
        steps : iterable of step numbers.

        Returns
        -------
        History

        Examples
        --------
        >>> h.select([0, 10, 20]).steps                         # doctest: +SKIP
        array([ 0, 10, 20])
        """
        want = np.asarray(list(steps), dtype=np.int64)
        snap = np.asarray(self.static["snapshot_steps"]) if "snapshot_steps" in self.static else None
        return self._take(np.isin(self.steps, want), None if snap is None else np.isin(snap, want), None, None)

    def __getitem__(self, name):
        """``h["name"]``: a recorded or static array; ``h[i:j]``: records ``i … j−1`` (by record
        index) and the snapshots up to the last kept record's step."""
        if isinstance(name, slice):
            idx = np.arange(len(self.steps))[name]
            rec_keep = np.zeros(len(self.steps), dtype=bool)
            rec_keep[idx] = True
            last = int(np.asarray(self.steps)[idx].max()) if idx.size else -1
            snap = np.asarray(self.static["snapshot_steps"]) if "snapshot_steps" in self.static else None
            return self._take(rec_keep, None if snap is None else snap <= last, None, None)
        return self._get_array(name)

    @classmethod
    def concat(cls, parts) -> "History":
        """Join the histories of consecutive runs of one model (or one ensemble).

        Part ``i + 1`` continued training where part ``i`` stopped, so its steps are shifted by the
        steps done before it, and its first record (step 0, a repeat of the previous part's last
        record) is dropped.  Per-step losses are joined; outcome and divergence come from the
        parts (a member diverged in any part is diverged, at its first divergence step).

        Parameters
        ----------
        parts : sequence of :class:`History`, in training order.

        Returns
        -------
        History

        Examples
        --------
        >>> h = History.concat([fit(m, p, opt, steps=50), fit(m, p, opt, steps=50)])  # doctest: +SKIP
        >>> h.info["steps_done"]                                                      # doctest: +SKIP
        100
        """
        parts = list(parts)
        if not parts:
            raise ValueError("History.concat needs at least one history")
        first = parts[0]
        if len(parts) == 1:
            return first
        ax = 1 if first._ensemble() else 0
        offset, steps, snaps, loss = 0, [], [], []
        arrays: dict[str, list[np.ndarray]] = {}
        snap_keys = first._snapshot_keys()
        outcome, diverged = first.outcome, first.diverged_step
        if isinstance(outcome, list):
            outcome, diverged = list(outcome), list(diverged)
        for i, h in enumerate(parts):
            r, s = np.asarray(h.steps), np.asarray(h.static.get("snapshot_steps", np.zeros(0, np.int64)))
            r_skip = int(i > 0 and r.size > 0 and r[0] == 0)
            s_skip = int(i > 0 and s.size > 0 and s[0] == 0)
            steps.append(r[r_skip:] + offset)
            snaps.append(s[s_skip:] + offset)
            for k, v in h.arrays.items():
                skip = s_skip if k in snap_keys else r_skip
                arrays.setdefault(k, []).append(np.take(v, np.arange(skip, v.shape[ax]), axis=ax))
            if "loss" in h.static:
                loss.append(np.asarray(h.static["loss"]))
            if i > 0:
                if isinstance(outcome, list):
                    for j, (o, d) in enumerate(zip(h.outcome, h.diverged_step)):
                        if diverged[j] is None and d is not None:
                            outcome[j], diverged[j] = o, d + offset
                elif h.diverged_step is not None and diverged is None:
                    outcome, diverged = h.outcome, h.diverged_step + offset
                elif diverged is None:
                    outcome = h.outcome
            offset += int(h.info.get("steps_done", np.asarray(h.static.get("loss", [])).shape[-1]))
        static = dict(first.static)
        if loss:
            static["loss"] = np.concatenate(loss, axis=-1)
        if "snapshot_steps" in first.static:
            static["snapshot_steps"] = np.concatenate(snaps)
        info = dict(parts[-1].info)
        info["steps_done"] = offset
        info["wall_time_s"] = float(sum(h.info.get("wall_time_s", 0.0) for h in parts))
        for h in parts:
            if "diverged_loss" in h.info:
                info["diverged_loss"] = h.info["diverged_loss"]
                break
        return cls(steps=np.concatenate(steps), arrays={k: np.concatenate(v, axis=ax) for k, v in arrays.items()},
                   static=static, outcome=outcome, diverged_step=diverged, info=info)

    def __add__(self, other: "History") -> "History":
        """``h1 + h2`` = ``History.concat([h1, h2])``."""
        if not isinstance(other, History):
            return NotImplemented
        return History.concat([self, other])

    @classmethod
    def stack(cls, members, *, member_static=("loss",)) -> "History":
        """The histories of same-shape runs (same record steps) as one ensemble history, member axis first.

        Recorded arrays are stacked on a new first axis; of the static arrays, those named in
        ``member_static`` are stacked too (e.g. each run's per-step ``loss``) and the others are
        taken from the first run.  ``info`` is the first run's (without ``member``) plus
        ``n_members`` and ``member_static``; outcomes and divergence steps become per-member lists.

        Parameters
        ----------
        members : sequence of :class:`History`
            Single-run histories with equal ``steps`` and array shapes.
        member_static : sequence of str, default ("loss",)
            Static arrays that differ between the runs.

        Returns
        -------
        History

        Examples
        --------
        >>> runs = [History(steps=np.array([0, 10]), arrays={"spectrum": np.full((2, 3), r)},
        ...                 static={"loss": np.ones(10) * r, "x": np.arange(3)}) for r in range(4)]
        >>> h = History.stack(runs)
        >>> h["spectrum"].shape, h["loss"].shape, h["x"].shape, h.info["n_members"]
        ((4, 2, 3), (4, 10), (3,), 4)
        """
        members = list(members)
        h0, keep = members[0], [k for k in member_static if k in members[0].static]
        info = {**{k: v for k, v in h0.info.items() if k != "member"}, "n_members": len(members),
                "member_static": keep}
        return cls(steps=h0.steps, arrays={k: np.stack([h.arrays[k] for h in members]) for k in h0.arrays},
                   static={**h0.static, **{k: np.stack([h.static[k] for h in members]) for k in keep}},
                   outcome=[h.outcome for h in members], diverged_step=[h.diverged_step for h in members], info=info)

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
        >>> import numpy as np
        >>> h = History(steps=np.array([0, 10, 20]),
        ...             arrays={"loss": np.array([1.0, 0.5, 0.2]),
        ...                     "peak_error": np.array([[0.9, 1.0], [0.1, 0.8], [0.02, 0.3]])})
        >>> df = h.to_pandas()
        >>> df.columns.tolist()
        ['step', 'name', 'index', 'value']
        >>> pe = df[df.name == "peak_error"].pivot(index="step", columns="index", values="value")
        >>> pe.loc[10].tolist()
        [0.1, 0.8]
        >>> h.to_pandas("wide").columns.tolist()
        ['step', 'loss', 'peak_error[0]', 'peak_error[1]']
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

        Parameters
        ----------
        max_width : int, optional
            Recorded arrays with more entries per record than this are left out (default: keep all).

        Returns
        -------
        xarray.Dataset
            ``attrs["outcome"]`` holds the outcome text.

        Examples
        --------
        >>> import numpy as np
        >>> h = History(steps=np.array([0, 10, 20]),
        ...             arrays={"peak_error": np.array([[0.9, 1.0], [0.1, 0.8], [0.02, 0.3]])},
        ...             static={"peak_frequencies": np.array([1.0, 5.0])})
        >>> ds = h.to_xarray()
        >>> ds.peak_error.dims, ds.frequency.values.tolist()
        (('step', 'peak'), [1.0, 5.0])
        >>> ds.peak_error.sel(step=10).values.tolist()
        [0.1, 0.8]
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

    @classmethod
    def side_by_side(cls, named, static: dict[str, np.ndarray] | None = None) -> "History":
        """Join the histories of several models trained one after the other on the same records, by name.

        Recorded arrays become ``<name>/<key>``; the per-model static arrays ``loss`` and
        ``snapshot_steps`` become ``<name>/loss`` and ``<name>/snapshot_steps``; the other static
        arrays are shared (an earlier model's value wins) and ``static["snapshot_steps"]`` is the
        first model's.  ``static["models"]`` lists the names, ``info[name]`` is each model's info;
        steps come from the first model, the outcome from the last (a diverged one is the last trained).

        Parameters
        ----------
        named : dict of str to History
            The models' histories by name, in training order (at least one).
        static : dict of str to numpy.ndarray, optional
            More shared static arrays (e.g. an evaluation grid).

        Returns
        -------
        History

        Examples
        --------
        >>> a = History(steps=np.array([0, 10]), arrays={"err": np.array([1.0, 0.5])}, static={"loss": np.ones(10)})
        >>> b = History(steps=np.array([0, 10]), arrays={"err": np.array([1.0, 0.1])}, static={"loss": np.ones(10)})
        >>> h = History.side_by_side({"a": a, "b": b})
        >>> h["b/err"].tolist(), h["models"].tolist(), "a/loss" in h
        ([1.0, 0.1], ['a', 'b'], True)
        """
        first, last = next(iter(named.values())), list(named.values())[-1]
        own = ("loss", "snapshot_steps")
        shared = {k: v for h in reversed(named.values()) for k, v in h.static.items() if k not in own}
        shared.update(static or {})
        shared.update({f"{name}/{k}": v for name, h in named.items() for k, v in h.static.items() if k in own})
        shared.update(snapshot_steps=first.static.get("snapshot_steps", np.zeros(0, dtype=np.int64)),
                      models=np.array(list(named)))
        info = {name: h.info for name, h in named.items()}
        if last.diverged:
            info["diverged_loss"] = last.info.get("diverged_loss", float("nan"))
        arrays = {f"{name}/{k}": v for name, h in named.items() for k, v in h.arrays.items()}
        return cls(steps=first.steps, arrays=arrays, static=shared, outcome=last.outcome,
                   diverged_step=last.diverged_step, info=info)


def _last(v) -> str:
    """The last record of an array as short text (≤ 6 numbers)."""
    a = np.asarray(v)
    if a.ndim == 0 or a.size == 0 or not np.issubdtype(a.dtype, np.number):
        return ""
    last = np.ravel(a[-1])
    text = ", ".join(f"{x:.3g}" for x in last[:6])
    return text + (", …" if last.size > 6 else "")
