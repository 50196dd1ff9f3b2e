"""Displays shared by many kinds: loss curves, per-frequency error curves, 1-D fit snapshots in real
and Fourier space, and the training animation.  Each is a :class:`LinePlot` built from a history."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ._display import Display, Line, LinePlot, Panel, _picks, _ramp, _threshold

__all__ = ["LossCurve", "FrequencyErrorCurves", "FitSnapshots", "TrainingAnimation"]


class LossCurve(LinePlot):
    """Training loss against the step (log–log; symlog when a loss is ≤ 0, e.g. the Ritz energy),
    with the clean-target test error and its best step, and the accuracies on a right-hand axis,
    when they were recorded.

    Parameters
    ----------
    panels, ncols, title, panel_size, sharey
        As for :class:`LinePlot`; build one with :meth:`from_history` (or ``from_run``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> from simbias.viz import LossCurve
    >>> h = History(steps=np.arange(50), arrays={"loss": 1.0 / np.arange(1, 51)})
    >>> d = LossCurve.from_history(h).plot()
    >>> d.ax_.get_xscale(), d.ax_.get_yscale(), d.ax_.get_legend_handles_labels()[1]
    ('log', 'log', ['train loss'])
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, keys=None, labels=None, title: str = "Loss",
                     ylabel: str = "loss"):
        """The loss curves of ``history``.

        Each loss array holds one value per training step and is drawn at steps 1, 2, …, n (the
        log axis starts at 1).  Also drawn when recorded: ``test_error`` at ``snapshot_steps`` with
        a dotted line at its minimum, ``train_accuracy`` (per record) and ``test_accuracy`` (per
        snapshot) on a right-hand axis on [0, 1.02].

        Parameters
        ----------
        history : simbias.History
            The recorded arrays.
        spec, summary : dict, optional
            Unused (accepted for the common factory signature).
        keys : list of str, optional
            Loss arrays to draw (missing ones are skipped); default ``["loss"]``.
        labels : list of str, optional
            Their legend labels (default: ``"train loss"`` for one key, else the keys).
        title : str, default "Loss"
            Panel title.
        ylabel : str, default "loss"
            Y-axis label.

        Returns
        -------
        LossCurve
        """
        h = history
        keys = list(keys or ["loss"])
        pairs = [(k, lab) for k, lab in zip(keys, labels or (["train loss"] if len(keys) == 1 else keys)) if k in h]
        one = len(pairs) == 1
        lines = [Line(np.arange(1, len(h[k]) + 1), h[k], label=lab, kw={"color": "k" if one else f"C{i}", "lw": 1 if one else 0.8})
                 for i, (k, lab) in enumerate(pairs)]
        positive = all(np.all(np.asarray(h[k]) > 0) for k, _ in pairs)
        if "test_error" in h:
            snap, te = np.maximum(h["snapshot_steps"], 1), h["test_error"]
            best = int(snap[int(np.nanargmin(te))])
            lines += [Line(snap, te, "o-", "test error (clean target)", {"ms": 3, "color": "C1", "lw": 1}),
                      Line(x=best, label=f"best test at step {best}", kw={"color": "C1", "ls": ":"})]
        for key, lab, steps, col in (("train_accuracy", "train accuracy", "steps", "C0"),
                                     ("test_accuracy", "unseen-input accuracy", "snapshot_steps", "C1")):
            if key in h:
                x = h.steps if steps == "steps" else h[steps]
                lines.append(Line(np.maximum(x, 1), h[key], label=lab, kw={"color": col, "lw": 1.2}, twin=True))
        props = {"xscale": "log", "yscale": "log" if positive else "symlog", "xlabel": "step", "ylabel": ylabel,
                 "title": title}
        return cls([Panel(lines, props, {"loc": "best"}, twin_props={"ylim": (0, 1.02), "ylabel": "accuracy"})])


def _error_panel(steps, errors, labels, threshold: float, *, ylabel="Δ_F", title="", xlabel="step") -> Panel:
    """One panel of relative errors (records × frequencies) against the step, log–log, one line per
    frequency (viridis, low to high) and the threshold as a dashed line."""
    n, steps = len(labels), np.maximum(np.asarray(steps), 1)
    lines = [Line(steps, np.maximum(np.asarray(errors)[:, j], 1e-12), label=lab,
                  kw={"color": _ramp("viridis", j, n)}) for j, lab in enumerate(labels)]
    lines.append(Line(y=threshold, label=f"threshold {threshold:g}"))
    return Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": xlabel, "ylabel": ylabel, "title": title},
                 {"ncol": 2 if n > 5 else 1})


class FrequencyErrorCurves(LinePlot):
    """Relative error at each frequency against the step, with the convergence threshold.

    One log–log line per frequency (viridis, low to high; errors floored at 1e-12), normally Δ_F(k)
    = |ĥ_k − f̂_k| / |f̂_k| at the target's DFT peaks (arXiv 1901.06523), and the threshold below
    which a frequency counts as converged as a dashed line.

    Parameters
    ----------
    panels, ncols, title, panel_size, sharey
        As for :class:`LinePlot`; build one with :meth:`from_history` (or ``from_run``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> from simbias.viz import FrequencyErrorCurves
    >>> h = History(steps=np.array([0, 100, 200]),
    ...             arrays={"peak_error": np.array([[1.0, 1.0], [0.05, 0.9], [0.01, 0.2]])},
    ...             static={"peak_frequencies": np.array([1.0, 5.0])})
    >>> d = FrequencyErrorCurves.from_history(h, spec={"record": {"threshold": 0.05}}).plot()
    >>> d.ax_.get_legend_handles_labels()[1]
    ['ω ≈ 1', 'ω ≈ 5', 'threshold 0.05']
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, key="peak_error", frequencies="peak_frequencies",
                     steps: str | None = None, label="ω ≈ {:.3g}", ylabel="Δ_F", title="Per-frequency relative error",
                     threshold: float | None = None):
        """The error curves of ``history[key]``.

        Parameters
        ----------
        history : simbias.History
            The recorded arrays.
        spec : dict, optional
            The run's spec; ``record.threshold`` gives the default threshold.
        summary : dict, optional
            Unused (accepted for the common factory signature).
        key : str, default "peak_error"
            The error array (records × frequencies).
        frequencies : str, default "peak_frequencies"
            The array of the frequencies.
        steps : str, optional
            Name of the step array (default: the record steps).
        label : str
            Legend format of a frequency.
        ylabel, title : str
            Texts of the panel.
        threshold : float, optional
            Dashed line (default: the spec's ``record.threshold``, else 0.1).

        Returns
        -------
        FrequencyErrorCurves
        """
        s = history.steps if steps is None else history[steps]
        thr = _threshold(spec) if threshold is None else threshold
        labels = [label.format(f) for f in history[frequencies]]
        return cls([_error_panel(s, history[key], labels, thr, ylabel=ylabel, title=title)])


def _spectrum(values, n_keep: int) -> np.ndarray:
    values = np.asarray(values)
    return np.abs(np.fft.fft(values, axis=-1))[..., :n_keep] / values.shape[-1]


class FitSnapshots(LinePlot):
    """A 1-D fit at a few snapshots (log-spaced: the early, low-frequency phase shows): the network
    against the target in real space and/or their DFT magnitudes with the target's peaks.

    The Fourier row shows |DFT|/N = |Σ_n h_n e^{−2πikn/N}| / N of the training labels and of the
    network's training outputs (N training points, first output) for k < min(40, N/2), plus 1e-5
    for the log axis.

    Parameters
    ----------
    panels, ncols, title, panel_size, sharey
        As for :class:`LinePlot`; build one with :meth:`from_history` (or ``from_run``).

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> from simbias.viz import FitSnapshots
    >>> x = np.linspace(-1, 1, 32)[:, None]
    >>> y = np.sin(3 * x)
    >>> snap = np.array([0, 10, 100, 1000])
    >>> out = np.stack([(1 - np.exp(-s / 100)) * y[:, 0] for s in snap])   # a stand-in network output
    >>> h = History(steps=snap, arrays={"output_train": out, "output_test": out},
    ...             static={"x_train": x, "y_train": y, "x_test": x, "y_test": y, "snapshot_steps": snap})
    >>> d = FitSnapshots.from_history(h, spaces=("real", "fourier")).plot()
    >>> d.axes_.shape, [ax.get_title() for ax in d.axes_[0]]
    ((2, 4), ['step 0', 'step 10', 'step 100', 'step 1000'])
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, spaces=("real",), n: int = 4, picks=None,
                     title: str | None = None):
        """The fit at a few snapshots of ``history``.

        Parameters
        ----------
        history : simbias.History
            With ``x_train``, ``y_train``, ``x_test``, ``y_test`` (1-D inputs, first output column
            drawn), ``output_test`` (real row), ``output_train`` (Fourier row) and
            ``snapshot_steps``; ``peaks`` (DFT indices) are marked when recorded.
        spec, summary : dict, optional
            Unused (accepted for the common factory signature).
        spaces : tuple of str, default ("real",)
            Rows to draw, ``"real"`` and/or ``"fourier"``.
        n : int, default 4
            Number of snapshots, log-spaced over the snapshot indices, first and last included.
        picks : sequence of int, optional
            Snapshot indices to draw instead.
        title : str, optional
            Figure title (default from ``spaces``).

        Returns
        -------
        FitSnapshots
        """
        h, snap = history, history["snapshot_steps"]
        picks = _picks(len(snap), n) if picks is None else list(picks)
        x_tr, y_tr, x_te, y_te = h["x_train"][:, 0], h["y_train"][:, 0], h["x_test"][:, 0], h["y_test"][:, 0]
        n_keep = min(40, len(y_tr) // 2)
        k, ft = np.arange(n_keep), _spectrum(y_tr, n_keep) + 1e-5
        panels = []
        for space in spaces:
            for j, i in enumerate(picks):
                if space == "real":
                    lines = [Line(x_te, y_te, label="target", kw={"color": "0.6", "lw": 1}),
                             Line(x_tr, y_tr, ".", "training data", {"color": "k", "ms": 2}),
                             Line(x_te, h["output_test"][i], label="network", kw={"color": "C3", "lw": 1.5})]
                    props = {"xlabel": "x"}
                else:
                    lines = [Line(k, ft, label="|DFT| target", kw={"color": "k", "lw": 1}),
                             Line(k, _spectrum(h["output_train"][i], n_keep) + 1e-5, label="|DFT| network",
                                  kw={"color": "C3", "lw": 1})]
                    if "peaks" in h:
                        lines.append(Line(h["peaks"], ft[h["peaks"]], "o", "peaks", {"mfc": "none", "color": "C0"}))
                    props = {"yscale": "log", "xlabel": "DFT index k"}
                panels.append(Panel(lines, {**props, "title": f"step {int(snap[i])}"}, {} if j == 0 else None))
        default = {("real",): "Fit in real space", ("fourier",): "Fit in Fourier space"}
        return cls(panels, ncols=len(picks), title=title or default.get(tuple(spaces), "Fit in real and Fourier space"),
                   panel_size=(3.2, 3.0), sharey=len(spaces) == 1)


class TrainingAnimation(Display):
    """The 1-D fit in real and Fourier space over training; ``save("training.gif")`` writes the
    animation, ``plot(ax, frame=i)`` draws one frame.

    Parameters
    ----------
    frames : list of Display
        One per frame, all with the same panel grid and the same lines per panel (only their data
        and the panel titles change between frames).
    fps : int, default 6
        Frames per second of the GIF.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> from simbias.viz import TrainingAnimation
    >>> x = np.linspace(-1, 1, 32)[:, None]
    >>> y = np.sin(3 * x)
    >>> snap = np.array([0, 10, 100, 1000])
    >>> out = np.stack([(1 - np.exp(-s / 100)) * y[:, 0] for s in snap])
    >>> h = History(steps=snap, arrays={"output_train": out, "output_test": out},
    ...             static={"x_train": x, "y_train": y, "x_test": x, "y_test": y, "snapshot_steps": snap})
    >>> anim = TrainingAnimation.from_history(h)
    >>> len(anim.frames), anim.plot(frame=1).ax_[0, 0].get_title()
    (4, 'step 10')
    >>> anim.save("runs/my-net/figures/training.gif")   # doctest: +SKIP
    """

    panel_size = (4.0, 3.0)

    def __init__(self, frames: list[Display], *, fps: int = 6):
        self.frames, self.fps = list(frames), fps
        self.panels, self.ncols = frames[0].panels, frames[0].ncols  # the panel grid of every frame

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, n_frames: int = 40):
        """Up to ``n_frames`` snapshots, evenly spaced, each a :class:`FitSnapshots` of both spaces
        on fixed axis limits.

        Parameters
        ----------
        history : simbias.History
            As for :meth:`FitSnapshots.from_history`.
        spec, summary : dict, optional
            Unused (accepted for the common factory signature).
        n_frames : int, default 40
            Most frames (evenly spaced snapshot indices, first and last included).

        Returns
        -------
        TrainingAnimation
        """
        snap = history["snapshot_steps"]
        y_te, frames = history["y_test"][:, 0], []
        for i in np.unique(np.linspace(0, len(snap) - 1, min(n_frames, len(snap))).astype(int)):
            f = FitSnapshots.from_history(history, spaces=("real", "fourier"), picks=[i])
            f.ncols, (real, fourier) = 2, f.panels
            real.legend = fourier.legend = None
            real.props["ylim"] = (1.2 * min(y_te.min(), 0) - 0.1, 1.2 * max(y_te.max(), 0) + 0.1)
            fourier.props["ylim"] = (1e-5, 2 * fourier.lines[0].y.max() + 1e-3)
            frames.append(f)
        return cls(frames)

    def _draw(self, axes, frame: int = -1, **kw):
        self.frames[frame]._draw(axes)

    def save(self, path, *, dpi: int = 70) -> Path:
        """Write the animation (``.gif``) or the last frame (any other suffix: PNG), atomically.

        Parameters
        ----------
        path : str or os.PathLike
            Target file; its suffix chooses GIF or PNG.
        dpi : int, default 70
            Resolution.

        Returns
        -------
        pathlib.Path
            ``path``.
        """
        from PIL import Image

        from ..io import atomic_write_bytes

        path = Path(path)
        if path.suffix.lower() != ".gif":
            return super().save(path, dpi=dpi)
        fig = self.plot(frame=0).figure_
        fig.set_dpi(dpi)
        fig.canvas.draw()
        fig.set_layout_engine("none")  # the frames share one layout, computed once
        images = []
        for frame in self.frames:  # every frame has the same lines: move their data, retitle the panels
            for ax, panel in zip(self.axes_.flat, frame.panels):
                for artist, ln in zip(ax.get_lines(), panel.lines):
                    artist.set_data(ln.x, ln.y)
                ax.set_title(panel.props.get("title", ""))
            fig.canvas.draw()
            images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB"))
        buf = io.BytesIO()
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=1000 // self.fps, loop=0)
        atomic_write_bytes(path, buf.getvalue())
        return path
