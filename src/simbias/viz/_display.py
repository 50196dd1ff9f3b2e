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
from typing import Any, Callable, Mapping, Sequence

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import atomic_write_bytes, load_run  # noqa: E402

__all__ = ["Display", "Line", "Panel", "LinePlot", "ImageGrid", "FrequencyErrorHeatmap", "DisplayGrid",
           "FigureSet", "FIGURES", "plt"]

_STYLE = {"axes.titlesize": 9, "figure.titlesize": 10, "legend.fontsize": 7, "legend.frameon": False,
          "axes.labelsize": 8, "xtick.labelsize": 7, "ytick.labelsize": 7}


def _as_run(run) -> dict[str, Any]:
    """A loaded run from a run directory path, a ``load_run`` dict or an object with the attributes."""
    if isinstance(run, (str, os.PathLike)):
        return load_run(run)
    if isinstance(run, Mapping):
        return {"spec": {}, "summary": {}, **run}
    return {k: getattr(run, k, {}) for k in ("history", "spec", "summary")}


def _grid_axes(ax, rows: int, cols: int, size: tuple[float, float]) -> tuple[np.ndarray, bool]:
    """``rows × cols`` Axes: a new figure (``ax=None``), the given grid, or one Axes' cell split up."""
    if ax is None:
        return plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows), squeeze=False,
                            layout="constrained")[1], True
    if isinstance(ax, matplotlib.axes.Axes) and rows * cols > 1:
        if (spec := ax.get_subplotspec()) is None:
            raise ValueError(f"this display draws {rows}×{cols} panels: give a grid of Axes or one made by "
                             "plt.subplots / fig.add_subplot (an Axes from add_axes cannot be split)")
        ax.remove()
        return spec.subgridspec(rows, cols).subplots(squeeze=False), False
    axes = np.asarray(ax, dtype=object).ravel()
    if axes.size != rows * cols:
        raise ValueError(f"this display draws {rows * cols} panel(s); got {axes.size} Axes")
    return axes.reshape(rows, cols), False


class Display:
    """Base of every figure: data in, ``plot(ax=None)`` out.

    Subclasses set the panel grid (``panels``, ``ncols``), draw into it (``_draw``) and build themselves from
    recorded arrays (``from_history``); the constructor of each takes the arrays it draws.

    Attributes
    ----------
    ax_ : matplotlib Axes or numpy.ndarray of Axes
        The Axes drawn into by :meth:`plot` (the ``(rows, cols)`` array of Axes for several panels).
    axes_ : numpy.ndarray of Axes
        Always the ``(rows, cols)`` grid.
    figure_ : matplotlib.figure.Figure
        Their figure.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from simbias.viz import Line, LinePlot, Panel
    >>> fig, ax = plt.subplots()
    >>> d = LinePlot([Panel([Line(np.arange(4), np.arange(4) ** 2)], {"title": "x²"})]).plot(ax=ax)
    >>> d.ax_ is ax, d.figure_ is fig, ax.get_title()
    (True, True, 'x²')
    >>> plt.close(fig)
    """

    title: str | None = None
    panel_size: tuple[float, float] = (6.0, 3.5)
    panels: Sequence = (None,)  # one entry per panel (their number sets the grid) ...
    ncols: int | None = None  # ... filled row by row, ``ncols`` per row (default: all in one row)

    @classmethod
    def from_history(cls, history, *, spec: Mapping | None = None, summary: Mapping | None = None, **kw):
        """Build the display from a :class:`simbias.History` (and the run's spec and summary dicts).

        Parameters
        ----------
        history : simbias.History
            The recorded arrays.
        spec, summary : dict, optional
            The run's resolved spec and ``summary.json`` (some displays read thresholds or titles there).
        **kw
            Display-specific options.

        Returns
        -------
        Display
            The base class has no recipe and raises ``NotImplementedError``; subclasses that are
            built from a history override it.
        """
        raise NotImplementedError(f"{cls.__name__} is built from its constructor")

    @classmethod
    def from_run(cls, run, **kw):
        """Build the display from a run directory (path) or a run loaded by :func:`simbias.io.load_run`.

        Parameters
        ----------
        run : str, os.PathLike, dict or object
            A run directory, a dict from :func:`simbias.io.load_run`, or an object with ``history``,
            ``spec`` and ``summary`` attributes (e.g. a :class:`simbias.Run`).
        **kw
            Passed to :meth:`from_history`.

        Returns
        -------
        Display
        """
        r = _as_run(run)
        return cls.from_history(r["history"], spec=r["spec"], summary=r["summary"], **kw)

    def plot(self, ax=None, **kw):
        """Draw into ``ax`` (one Axes, a grid of Axes, or ``None`` for a new figure); return ``self``.

        Parameters
        ----------
        ax : matplotlib Axes, array of Axes, or None
            Where to draw.  One Axes given to a display of several panels is split into a
            sub-grid of its cell; an array must hold exactly one Axes per panel; ``None`` makes a
            new figure (titled with ``title``).
        **kw
            Display-specific drawing options (e.g. ``frame`` of :class:`TrainingAnimation`).

        Returns
        -------
        Display
            ``self``, with ``ax_`` and ``figure_`` set.
        """
        n = len(self.panels)
        cols = self.ncols or max(1, n)
        with plt.rc_context(_STYLE):
            axes, own = _grid_axes(ax, max(1, math.ceil(n / cols)), cols, self.panel_size)
            self._draw(axes, **kw)
            for unused in list(axes.flat)[n:]:
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
        path : str or os.PathLike
            File to write (PNG whatever the suffix).
        dpi : int, default 110
            Resolution.

        Returns
        -------
        pathlib.Path
            ``path``.
        """
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
    x, y : array-like or float, optional
        The data; ``x`` alone draws a vertical reference line at ``x``, ``y`` alone a horizontal one
        (grey dashed unless ``kw`` says otherwise).
    fmt : str, default "-"
        Format string of :meth:`matplotlib.axes.Axes.plot` (or of ``errorbar`` with ``yerr``).
    label : str, optional
        Legend label.
    kw : dict
        Further options of the matplotlib call (color, lw, ms, ...).
    band : tuple of two arrays, optional
        ``(lo, hi)`` shaded around the line in its colour (alpha 0.2).
    yerr : array-like, optional
        Error bars (drawn with ``errorbar`` instead of ``plot``; ``band`` is then ignored).
    twin : bool, default False
        Draw on a right-hand y axis.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias.viz import Line
    >>> steps = np.arange(1, 101)
    >>> ln = Line(steps, 1.0 / steps, label="train loss", kw={"color": "k"})
    >>> ref = Line(y=0.01, label="threshold")   # horizontal reference line
    >>> ln.fmt, ref.x is None
    ('-', True)
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
        The series, drawn in order.
    props : dict
        Axes properties, applied as ``ax.set(**props)`` after the lines: title, labels, scales
        (give them before limits), limits, ticks.
    legend : dict or None
        Options of ``ax.legend`` (a legend is drawn when some line has a label); ``None`` draws none.
    twin_props : dict
        Properties of the right-hand axis (lines with ``twin=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias.viz import Line, Panel
    >>> x = np.arange(1, 11)
    >>> p = Panel([Line(x, 1.0 / x, label="loss")], {"xscale": "log", "xlabel": "step"}, legend=None)
    >>> len(p.lines), p.props["xscale"]
    (1, 'log')
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
    if twin is not None:
        twin.set(**p.twin_props)
    handles, labels = (sum(hl, []) for hl in zip(*(a.get_legend_handles_labels() for a in (ax, twin) if a is not None)))
    if p.legend is not None and handles:
        ax.legend(handles, labels, **p.legend)


class LinePlot(Display):
    """Panels of lines: the shared display behind loss curves, per-frequency errors, spectra, fits.

    Parameters
    ----------
    panels : list of Panel
        One Axes each, filled row by row.
    ncols : int, optional
        Panels per row (default: all in one row).
    title : str, optional
        Figure title (drawn when ``plot`` makes its own figure).
    panel_size : (float, float), default (6.0, 3.5)
        Width and height in inches of one panel of a new figure.
    sharey : bool, default False
        Give every panel the union of their y ranges.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias.viz import Line, LinePlot, Panel
    >>> x = np.arange(5)
    >>> d = LinePlot([Panel([Line(x, x ** 2, label="x²")]), Panel([Line(x, -x)])], sharey=True).plot()
    >>> left, right = d.axes_.flat
    >>> d.axes_.shape, left.get_ylim() == right.get_ylim()
    ((1, 2), True)
    """

    def __init__(self, panels: list[Panel], *, ncols: int | None = None, title: str | None = None,
                 panel_size: tuple[float, float] = (6.0, 3.5), sharey: bool = False):
        self.panels, self.ncols, self.title = list(panels), ncols, title
        self.panel_size, self.sharey = panel_size, sharey

    def _draw(self, axes, **kw):
        used = list(axes.flat)[:len(self.panels)]
        for ax, p in zip(used, self.panels):
            _draw_panel(ax, p)
        if self.sharey and used:
            lims = np.array([ax.get_ylim() for ax in used])
            for ax in used:
                ax.set_ylim(lims[:, 0].min(), lims[:, 1].max())


class ImageGrid(Display):
    """Images side by side on one colour scale (``imshow`` options shared), with an optional colour bar.

    Parameters
    ----------
    images : list of (str, array-like)
        ``(title, 2-D array)`` per panel (an RGB ``(h, w, 3)`` array also works).
    imshow : dict, optional
        Options for every ``imshow`` (cmap, vmin, vmax, norm, origin, extent, ...); give
        ``vmin``/``vmax`` for one colour scale across panels.  Default interpolation "nearest".
    colorbar : str or None
        Colour-bar label (one bar for all panels, from the last image); ``None`` draws none.
    ncols, title : optional
        Layout and figure title, as in :class:`LinePlot`.
    panel_size : (float, float), default (3.0, 3.0)
        Inches per panel of a new figure.
    ticks : bool, default False
        Keep the axis ticks (e.g. coordinates given by ``extent``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias.viz import ImageGrid
    >>> img = np.outer(np.hanning(8), np.hanning(8))
    >>> d = ImageGrid([("target", img), ("fit", 0.9 * img)], imshow={"cmap": "gray", "vmin": 0, "vmax": 1},
    ...               colorbar="intensity").plot()
    >>> [ax.get_title() for ax in d.ax_.flat]
    ['target', 'fit']
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

    The error is what was recorded, normally Δ_F(k) = |ĥ_k − f̂_k| / |f̂_k| at the target's DFT
    peaks (Xu et al., arXiv 1901.06523; :class:`simbias.train.PeakError`).  Columns are the
    records in order (equal width whatever the step spacing), labelled with their steps.

    Parameters
    ----------
    panels : list of tuple
        ``(title, steps, errors, labels[, xlabel])`` per panel: ``steps`` (n_records,), ``errors``
        (n_records, n_frequencies), one row label per frequency, x label (default "step").
    ncols : int, optional
        Panels per row (default: all in one row).
    ylabel : str, default "frequency"
        Label of the frequency axis.
    colorbar : str
        Colour-bar label (one bar for all panels).
    title : str, optional
        Figure title.
    vmin, vmax : float, default 0.1 and 1.0
        Colour range (errors outside it saturate).
    cmap : str, default "RdBu_r"
        Colour map (blue = converged, red = not yet).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> from simbias.viz import FrequencyErrorHeatmap
    >>> h = History(steps=np.array([0, 100, 200]),
    ...             arrays={"peak_error": np.array([[1.0, 1.0], [0.05, 0.9], [0.01, 0.2]])},
    ...             static={"peak_frequencies": np.array([1.0, 5.0])})
    >>> d = FrequencyErrorHeatmap.from_history(h).plot()
    >>> [t.get_text() for t in d.ax_.get_yticklabels()]
    ['1', '5']
    """

    def __init__(self, panels, *, ncols: int | None = None, ylabel: str = "frequency",
                 colorbar: str = "Δ_F (relative error)", title: str | None = None, vmin=0.1, vmax=1.0,
                 cmap: str = "RdBu_r"):
        self.panels = [(t, np.asarray(s), np.asarray(e), list(f), *(x[:1] or ["step"])) for t, s, e, f, *x in panels]
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
            The recorded arrays.
        spec, summary : dict, optional
            Unused (accepted for the common factory signature).
        key : str, default "peak_error"
            The error array (records × frequencies).
        frequencies : str, default "peak_frequencies"
            The array of frequencies labelling the rows.
        steps : str, optional
            Name of the step array (default: the record steps ``history.steps``).
        fmt : str, default "{:.3g}"
            Label format of the frequencies.
        title : str
            Panel title.
        **kw
            Passed to the constructor.

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
        Drawn row by row; a display of several panels splits its cell.
    ncols : int, optional
        Cells per row (default: all in one row).
    title : str, optional
        Figure title.
    panel_size : (float, float), default (4.3, 3.3)
        Inches per cell of a new figure.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias.viz import DisplayGrid, Line, LinePlot, Panel
    >>> x = np.linspace(0, 1, 20)
    >>> cells = [LinePlot([Panel([Line(x, np.sin(k * x))], {"title": f"k = {k}"})]) for k in (1, 2, 3, 4)]
    >>> d = DisplayGrid(cells, ncols=2, title="one cell per member").plot()
    >>> d.axes_.shape, cells[3].ax_.get_title()
    ((2, 2), 'k = 4')
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

    Register one under the kind's name in :data:`FIGURES`; :func:`displays`, ``simbias run`` and
    ``simbias report`` draw them.

    Parameters
    ----------
    run : dict
        File name → ``factory(history, spec=..., summary=...)``, a run's figures.
    sweep : dict
        File name → ``factory(sweep)`` with the loaded sweep (a dict with ``path``, ``meta``,
        ``columns``, ``rows``, ``keys``), a sweep's own figures.  A factory returns ``None`` when
        its arrays were not recorded (no figure is written).

    Examples
    --------
    >>> from simbias.viz import FIGURES, FigureSet, LossCurve
    >>> fs = FigureSet(run={"loss.png": LossCurve.from_history})
    >>> FIGURES["my-kind"] = fs          # doctest: +SKIP
    >>> sorted(fs.run), dict(fs.sweep)
    (['loss.png'], {})
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


def _ramp(cmap: str, j: int, n: int, lo: float = 0.0, hi: float = 1.0):
    """Colour ``j`` of ``n`` along the colour map ``cmap``, from ``lo`` to ``hi``."""
    return plt.get_cmap(cmap)(lo + (hi - lo) * j / max(1, n - 1))


def _threshold(spec, default: float = 0.1) -> float:
    return float((spec or {}).get("record", {}).get("threshold", default))
