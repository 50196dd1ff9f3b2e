"""Displays: figures as objects, in the scikit-learn manner (compute once, plot many).

A display is built from results (``from_history(history, spec=..., summary=...)``, ``from_run(dir)``),
holds only the arrays it draws, and ``plot(ax=None)`` draws into the caller's Axes (or a new figure)
and returns itself with ``ax_`` and ``figure_`` set; ``save(path)`` writes a PNG.  A display with
several panels accepts a grid of Axes, or one Axes whose cell it splits into the panels.

Three drawing displays carry almost every figure of simbias: :class:`LinePlot` (panels of lines,
markers, bands, reference lines), :class:`ImageGrid` (images with a shared colour scale) and
:class:`FrequencyErrorHeatmap` (relative error per frequency against the step).  The kind modules
only extract arrays into them.  Nothing here trains.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["Display", "Line", "Panel", "LinePlot", "ImageGrid", "FrequencyErrorHeatmap", "DisplayGrid",
           "FigureSet", "FIGURES", "plt"]

_STYLE = {"axes.titlesize": 9, "figure.titlesize": 10, "legend.fontsize": 7, "legend.frameon": False,
          "axes.labelsize": 8, "xtick.labelsize": 7, "ytick.labelsize": 7}


def _as_run(run) -> dict[str, Any]:
    """A loaded run from a run directory path, a ``load_run`` dict or an object with the attributes."""
    if isinstance(run, (str, os.PathLike)):
        from ..io import load_run

        return load_run(run)
    if isinstance(run, Mapping):
        return {"spec": {}, "summary": {}, **run}
    return {k: getattr(run, k, {}) for k in ("history", "spec", "summary")}


def _grid_axes(ax, rows: int, cols: int, size: tuple[float, float]) -> tuple[np.ndarray, bool]:
    """``rows × cols`` Axes: a new figure (``ax=None``), the given grid, or one Axes' cell split up."""
    if ax is None:
        fig, axes = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows), squeeze=False,
                                 layout="constrained")
        return axes, True
    if isinstance(ax, matplotlib.axes.Axes):
        if rows * cols == 1:
            return np.array([[ax]]), False
        spec = ax.get_subplotspec()
        if spec is None:
            raise ValueError(f"this display draws {rows}×{cols} panels: give a grid of Axes or one made by "
                             "plt.subplots / fig.add_subplot (an Axes from add_axes cannot be split)")
        fig = ax.figure
        ax.remove()
        gs = spec.subgridspec(rows, cols)
        return np.array([[fig.add_subplot(gs[i, j]) for j in range(cols)] for i in range(rows)]), False
    axes = np.asarray(ax, dtype=object).ravel()
    if axes.size != rows * cols:
        raise ValueError(f"this display draws {rows * cols} panel(s); got {axes.size} Axes")
    return axes.reshape(rows, cols), False


class Display:
    """Base of every figure: data in, ``plot(ax=None)`` out.

    Subclasses set the panel grid (``_shape``), draw into it (``_draw``) and build themselves from
    recorded arrays (``from_history``); the constructor of each takes the arrays it draws.

    Attributes
    ----------
    ax_ : the Axes drawn into by :meth:`plot` (an array of Axes for several panels).
    figure_ : their figure.

    Examples
    --------
    >>> fig, ax = plt.subplots()                                      # doctest: +SKIP
    >>> LossCurve.from_run("runs/fprinciple-1d").plot(ax=ax)          # doctest: +SKIP
    """

    title: str | None = None
    panel_size: tuple[float, float] = (6.0, 3.5)

    @classmethod
    def from_history(cls, history, *, spec: Mapping | None = None, summary: Mapping | None = None, **kw):
        """Build the display from a :class:`simbias.History` (and the run's spec and summary dicts)."""
        raise NotImplementedError(f"{cls.__name__} is built from its constructor")

    @classmethod
    def from_run(cls, run, **kw):
        """Build the display from a run directory (path) or a run loaded by :func:`simbias.io.load_run`.

        Parameters
        ----------
        run : path, dict or object with ``history``, ``spec`` and ``summary``
        **kw : passed to :meth:`from_history`.

        Returns
        -------
        Display
        """
        r = _as_run(run)
        return cls.from_history(r["history"], spec=r["spec"], summary=r["summary"], **kw)

    def _shape(self) -> tuple[int, int]:
        n = len(getattr(self, "panels", [None]))
        cols = getattr(self, "ncols", None) or max(1, n)
        return max(1, math.ceil(n / cols)), cols

    def _draw(self, axes: np.ndarray, **kw) -> None:
        raise NotImplementedError

    def plot(self, ax=None, **kw):
        """Draw into ``ax`` (one Axes, a grid of Axes, or ``None`` for a new figure); return ``self``.

        Parameters
        ----------
        ax : matplotlib Axes, array of Axes, or None
            Where to draw.  One Axes given to a display of several panels is split into them.
        **kw : display-specific drawing options.

        Returns
        -------
        Display
            ``self``, with ``ax_`` and ``figure_`` set.
        """
        rows, cols = self._shape()
        with plt.rc_context(_STYLE):
            axes, own = _grid_axes(ax, rows, cols, self.panel_size)
            self._draw(axes, **kw)
            for unused in list(axes.flat)[len(getattr(self, "panels", [None])):]:
                unused.axis("off")
            if own and self.title:
                axes[0, 0].figure.suptitle(self.title)
        self.axes_, self.figure_ = axes, axes[0, 0].figure
        self.ax_ = axes[0, 0] if axes.size == 1 else axes
        return self

    def save(self, path: str | os.PathLike, *, dpi: int = 110) -> Path:
        """Write the figure (drawn now if :meth:`plot` was not called) as a PNG, atomically.

        Parameters
        ----------
        path : file to write.
        dpi : resolution.

        Returns
        -------
        pathlib.Path
        """
        from ..io import atomic_write_bytes

        if not hasattr(self, "figure_"):
            self.plot()
        buf = io.BytesIO()
        self.figure_.savefig(buf, format="png", dpi=dpi)
        atomic_write_bytes(Path(path), buf.getvalue())
        return Path(path)


@dataclass
class Line:
    """One series of a :class:`Panel`.

    Parameters
    ----------
    x, y : arrays; ``x`` alone draws a vertical line, ``y`` alone a horizontal one.
    fmt, label, kw : format string, legend label and options of :meth:`matplotlib.axes.Axes.plot`.
    band : ``(lo, hi)`` arrays shaded around the line.
    yerr : error bars.
    twin : draw on a right-hand y axis.

    Examples
    --------
    >>> Line(steps, loss, label="train loss", kw={"color": "k"})   # doctest: +SKIP
    """

    x: Any = None
    y: Any = None
    fmt: str = "-"
    label: str | None = None
    kw: dict = field(default_factory=dict)
    band: tuple | None = None
    yerr: Any = None
    twin: bool = False


@dataclass
class Panel:
    """One Axes of a :class:`LinePlot`.

    Parameters
    ----------
    lines : list of Line
    props : Axes properties, ``ax.set(**props)``: title, labels, scales (give them first), limits, ticks.
    legend : legend options; ``None`` draws no legend.
    twin_props : properties of the right-hand axis (lines with ``twin=True``).

    Examples
    --------
    >>> Panel([Line(x, y)], {"xscale": "log", "xlabel": "step"})   # doctest: +SKIP
    """

    lines: list[Line]
    props: dict = field(default_factory=dict)
    legend: dict | None = field(default_factory=dict)
    twin_props: dict = field(default_factory=dict)


def _draw_panel(ax, p: Panel) -> None:
    twin = ax.twinx() if any(ln.twin for ln in p.lines) else None
    for ln in p.lines:
        a = twin if ln.twin else ax
        if ln.x is None or ln.y is None:
            ref = a.axhline if ln.x is None else a.axvline
            ref(ln.y if ln.x is None else ln.x, label=ln.label, **{"color": "0.5", "ls": "--", "lw": 1, **ln.kw})
        elif ln.yerr is not None:
            a.errorbar(ln.x, ln.y, yerr=ln.yerr, fmt=ln.fmt, label=ln.label, **{"capsize": 2, **ln.kw})
        else:
            (h,) = a.plot(ln.x, ln.y, ln.fmt, label=ln.label, **ln.kw)
            if ln.band is not None:
                a.fill_between(ln.x, *ln.band, color=h.get_color(), alpha=0.2, lw=0)
    ax.set(**p.props)
    handles, labels = ax.get_legend_handles_labels()
    if twin is not None:
        twin.set(**p.twin_props)
        more = twin.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    if p.legend is not None and handles:
        ax.legend(handles, labels, **p.legend)


class LinePlot(Display):
    """Panels of lines: the shared display behind loss curves, per-frequency errors, spectra, fits.

    Parameters
    ----------
    panels : list of Panel
    ncols : panels per row (default: all in one row).
    title : figure title (drawn when ``plot`` makes its own figure).
    panel_size : inches per panel.
    sharey : give every panel the union of their y ranges.

    Examples
    --------
    >>> LinePlot([Panel([Line(np.arange(5), np.arange(5) ** 2, label="x²")])]).plot(ax=ax)   # doctest: +SKIP
    """

    def __init__(self, panels: list[Panel], *, ncols: int | None = None, title: str | None = None,
                 panel_size: tuple[float, float] = (6.0, 3.5), sharey: bool = False):
        self.panels, self.ncols, self.title = list(panels), ncols, title
        self.panel_size, self.sharey = panel_size, sharey

    def _draw(self, axes, **kw):
        flat = list(axes.flat)
        for ax, p in zip(flat, self.panels):
            _draw_panel(ax, p)
        if self.sharey and self.panels:
            lims = np.array([ax.get_ylim() for ax in flat[:len(self.panels)]])
            for ax in flat[:len(self.panels)]:
                ax.set_ylim(lims[:, 0].min(), lims[:, 1].max())


class ImageGrid(Display):
    """Images side by side on one colour scale (``imshow`` options shared), with an optional colour bar.

    Parameters
    ----------
    images : list of (title, 2-D array)
    imshow : options for every ``imshow`` (cmap, vmin, vmax, norm, origin, extent, ...).
    colorbar : colour-bar label; ``None`` draws no colour bar.
    ncols, title, panel_size : layout, as in :class:`LinePlot`.
    ticks : keep the axis ticks (e.g. coordinates given by ``extent``).

    Examples
    --------
    >>> ImageGrid([("target", img)], imshow={"cmap": "gray"}).plot(ax=ax)   # doctest: +SKIP
    """

    def __init__(self, images: list[tuple[str, Any]], *, imshow: dict | None = None, colorbar: str | None = None,
                 ncols: int | None = None, title: str | None = None, panel_size=(3.0, 3.0), ticks: bool = False):
        self.images = self.panels = [(t, np.asarray(a)) for t, a in images]
        self.imshow, self.colorbar, self.ncols, self.title = dict(imshow or {}), colorbar, ncols, title
        self.panel_size, self.ticks = panel_size, ticks

    def _draw(self, axes, **kw):
        flat, im = list(axes.flat), None
        for ax, (title, arr) in zip(flat, self.images):
            im = ax.imshow(arr, **{"interpolation": "nearest", **self.imshow})
            ax.set_title(title)
            if not self.ticks:
                ax.set(xticks=[], yticks=[])
        if self.colorbar is not None and im is not None:
            axes[0, 0].figure.colorbar(im, ax=flat, shrink=0.8, label=self.colorbar)


class FrequencyErrorHeatmap(Display):
    """The F-Principle heat map: rows are frequencies (low at the bottom), columns recorded steps,
    colour the relative error on [0.1, 1] (blue = converged, red = not yet).

    Parameters
    ----------
    panels : list of (title, steps, errors ``(steps, frequencies)``, labels[, xlabel])
    ncols : panels per row (default: all in one row).
    ylabel, colorbar, title : axis label, colour-bar label, figure title.
    vmin, vmax, cmap : colour range and map (default: blue = converged, red = not yet).

    Examples
    --------
    >>> FrequencyErrorHeatmap.from_history(h).plot(ax=ax)   # doctest: +SKIP
    """

    def __init__(self, panels, *, ncols: int | None = None, ylabel: str = "frequency",
                 colorbar: str = "Δ_F (relative error)", title: str | None = None, vmin=0.1, vmax=1.0,
                 cmap: str = "RdBu_r"):
        self.panels = [(p[0], np.asarray(p[1]), np.asarray(p[2]), list(p[3]), p[4] if len(p) > 4 else "step")
                       for p in panels]
        self.ncols, self.ylabel, self.colorbar, self.title, self.vmin, self.vmax = ncols, ylabel, colorbar, title, vmin, vmax
        self.cmap = cmap
        wide = (ncols or len(self.panels)) == 1
        self.panel_size = (6.0 if wide else 4.5, 1.6 + 0.25 * max(len(p[3]) for p in self.panels))

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, key: str = "peak_error",
                     frequencies: str = "peak_frequencies", steps: str | None = None, fmt: str = "{:.3g}",
                     title: str = "Δ_F at the target's peaks", **kw):
        """One heat map of ``history[key]`` (records × frequencies) labelled by ``history[frequencies]``.

        Parameters
        ----------
        history : simbias.History
        key, frequencies : array names; ``steps`` names the step axis (default: the record steps).
        fmt : label format of the frequencies.
        title : panel title; ``**kw`` go to the constructor.

        Returns
        -------
        FrequencyErrorHeatmap
        """
        s = history.steps if steps is None else history[steps]
        return cls([(title, s, history[key], [fmt.format(f) for f in history[frequencies]])], **kw)

    def _draw(self, axes, **kw):
        flat, mesh = list(axes.flat), None
        for ax, (title, steps, errs, labels, xlabel) in zip(flat, self.panels):
            e = errs.T
            mesh = ax.pcolormesh(np.arange(len(steps) + 1), np.arange(e.shape[0] + 1), e, cmap=self.cmap,
                                 vmin=self.vmin, vmax=self.vmax, shading="flat", rasterized=True)
            ticks = np.linspace(0, len(steps) - 1, min(6, len(steps))).astype(int)
            ax.set(yticks=np.arange(e.shape[0]) + 0.5, yticklabels=labels, xticks=ticks + 0.5,
                   xticklabels=[str(int(steps[t])) for t in ticks], xlabel=xlabel, ylabel=self.ylabel, title=title)
        axes[0, 0].figure.colorbar(mesh, ax=flat, label=self.colorbar)


class DisplayGrid(Display):
    """Several displays on one figure, each drawn into its own cell (e.g. one row per sweep member).

    Parameters
    ----------
    displays : list of Display
    ncols : cells per row.
    title, panel_size : figure title and inches per cell.

    Examples
    --------
    >>> DisplayGrid([LossCurve.from_run(a), LossCurve.from_run(b)], ncols=2).plot()   # doctest: +SKIP
    """

    def __init__(self, displays: list[Display], *, ncols: int | None = None, title: str | None = None,
                 panel_size=(4.3, 3.3)):
        self.panels, self.ncols, self.title, self.panel_size = list(displays), ncols, title, panel_size

    def _draw(self, axes, **kw):
        for ax, d in zip(axes.flat, self.panels):
            d.plot(ax=ax)


# kind → its figures: run-level {file name: factory(history, spec=, summary=) → Display | None} and
# sweep-level {file name: factory(sweep) → Display | None}
@dataclass(frozen=True)
class FigureSet:
    """The figures of one experiment kind: file name → display factory.

    Parameters
    ----------
    run : file name → ``factory(history, spec=..., summary=...)``, a run's figures.
    sweep : file name → ``factory(sweep)`` with the loaded sweep (``{"path", "meta", "columns", "rows",
        "keys"}``), a sweep's own figures.  A factory returns ``None`` when its arrays were not recorded.

    Examples
    --------
    >>> FIGURES["my-kind"] = FigureSet(run={"loss.png": LossCurve.from_history})   # doctest: +SKIP
    """

    run: Mapping[str, Callable[..., Display | None]] = field(default_factory=dict)
    sweep: Mapping[str, Callable[..., Display | None]] = field(default_factory=dict)


FIGURES: dict[str, FigureSet] = {}


def _needs(key: str, make: Callable) -> Callable:
    """``make`` when ``key`` was recorded, else no figure."""
    return lambda h, **kw: make(h, **kw) if key in h else None


def _picks(n: int, k: int = 4, *, log: bool = True) -> list[int]:
    """``k`` snapshot indices out of ``n``, first and last included; log-spaced shows the early phase."""
    if n <= k:
        return list(range(n))
    pos = np.round(np.geomspace(1, n, k)).astype(int) - 1 if log else np.linspace(0, n - 1, k).round().astype(int)
    pos[0], pos[-1] = 0, n - 1
    return sorted(set(pos.tolist()))


def _threshold(spec, default: float = 0.1) -> float:
    return float((spec or {}).get("record", {}).get("threshold", default))
