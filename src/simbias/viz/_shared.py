"""Displays shared by many kinds: loss curves, per-frequency error curves, 1-D fit snapshots in real
and Fourier space, and the training animation.  Each is a :class:`LinePlot` built from a history."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ._display import Display, Line, LinePlot, Panel, _picks, _threshold, plt

__all__ = ["LossCurve", "FrequencyErrorCurves", "FitSnapshots", "TrainingAnimation"]


class LossCurve(LinePlot):
    """Training loss against the step (log–log; symlog when a loss is ≤ 0, e.g. the Ritz energy),
    with the clean-target test error and its best step, and the accuracies on a right-hand axis,
    when they were recorded.

    Examples
    --------
    >>> LossCurve.from_history(h).plot(ax=ax)   # doctest: +SKIP
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, keys=None, labels=None, title: str = "Loss",
                     ylabel: str = "loss"):
        """The loss curves of ``history``.

        Parameters
        ----------
        history : simbias.History
        keys : loss arrays (one value per step) to draw; default ``["loss"]``.
        labels : their legend labels (default: ``"train loss"`` for one key, else the keys).
        title, ylabel : texts.

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


def _error_panel(steps, errors, labels, threshold=None, *, ylabel="Δ_F", title="", xlabel="step") -> Panel:
    """One panel of relative errors (records × frequencies) against the step, log–log, one line per
    frequency (viridis, low to high) and the threshold as a dashed line."""
    n, steps = len(labels), np.maximum(np.asarray(steps), 1)
    lines = [Line(steps, np.maximum(np.asarray(errors)[:, j], 1e-12), label=lab,
                  kw={"color": plt.cm.viridis(j / max(1, n - 1))}) for j, lab in enumerate(labels)]
    if threshold is not None:
        lines.append(Line(y=threshold, label=f"threshold {threshold:g}"))
    return Panel(lines, {"xscale": "log", "yscale": "log", "xlabel": xlabel, "ylabel": ylabel, "title": title},
                 {"ncol": 2 if n > 5 else 1})


class FrequencyErrorCurves(LinePlot):
    """Relative error at each frequency against the step, with the convergence threshold.

    Examples
    --------
    >>> FrequencyErrorCurves.from_history(h, spec=spec).plot(ax=ax)   # doctest: +SKIP
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, key="peak_error", frequencies="peak_frequencies",
                     steps: str | None = None, label="ω ≈ {:.3g}", ylabel="Δ_F", title="Per-frequency relative error",
                     threshold: float | None = None):
        """The error curves of ``history[key]``.

        Parameters
        ----------
        history : simbias.History
        key, frequencies : array names (records × frequencies, and the frequencies).
        steps : name of the step array (default: the record steps).
        label : legend format of a frequency.
        threshold : dashed line (default: the spec's ``record.threshold``, else 0.1).

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

    Examples
    --------
    >>> FitSnapshots.from_history(h, spaces=("real", "fourier")).plot()   # doctest: +SKIP
    """

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, spaces=("real",), n: int = 4, picks=None,
                     title: str | None = None):
        """The fit at a few snapshots of ``history``.

        Parameters
        ----------
        history : simbias.History with ``x_train``, ``y_train``, ``x_test``, ``y_test``,
            ``output_test``, ``output_train`` and ``snapshot_steps``.
        spaces : rows to draw, ``"real"`` and/or ``"fourier"``.
        n : number of snapshots (``picks`` gives their indices instead).
        title : figure title.

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
    frames : list of displays, one per frame, all with the same panel grid.
    fps : frames per second of the GIF.

    Examples
    --------
    >>> TrainingAnimation.from_history(h).save("training.gif")   # doctest: +SKIP
    """

    panel_size = (4.0, 3.0)

    def __init__(self, frames: list[Display], *, fps: int = 6):
        self.frames, self.fps = list(frames), fps
        self.panels, self.ncols = frames[0].panels, frames[0].ncols  # the panel grid of every frame

    @classmethod
    def from_history(cls, history, *, spec=None, summary=None, n_frames: int = 40):
        """Up to ``n_frames`` snapshots, evenly spaced, each a :class:`FitSnapshots` of both spaces
        on fixed axis limits.

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
        """Write the animation (``.gif``) or the last frame (any other suffix: PNG)."""
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
