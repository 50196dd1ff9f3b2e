"""Figures as displays: every kind's figures build from a smoke run's history, draw into the caller's
Axes, and ``simbias report`` still writes every figure file (the names are a contract) and report.html."""

import shutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from test_presets import shrink  # noqa: E402

from simbias.cli import main  # noqa: E402
from simbias.experiments import resolve_spec, run  # noqa: E402
from simbias.io import load_run  # noqa: E402
from simbias.viz import FIGURES, Display, FrequencyErrorHeatmap, LossCurve, TrainingAnimation, displays  # noqa: E402

# one preset per kind (pde_compare in 1-D and 2-D) → the figure files simbias has always written for it
FILES = {
    "fprinciple-1d": {"fit_snapshots.png", "spectrum_snapshots.png", "peak_error_heatmap.png", "peak_error_curves.png",
                      "loss.png", "training.gif"},
    "fprinciple-pso": {"fit_snapshots.png", "peak_error_heatmap.png", "peak_error_curves.png", "loss.png"},
    "fprinciple-2d": {"image_snapshots.png", "band_error_heatmap.png", "band_error_curves.png", "spectrum_2d.png",
                      "loss.png"},
    "fprinciple-projection": {"projection_spectrum.png", "projection_error_heatmap.png", "projection_error_curves.png",
                              "loss.png"},
    "fprinciple-filtering": {"filter_errors.png", "filter_heatmap.png", "loss.png"},
    "parity": {"diagonal_spectrum.png", "accuracy.png"},
    "deep-fprinciple": {"steps_to_loss.png", "loss_curves.png", "effective_lfr.png"},
    "jacobi-vs-dnn": {"peak_error_heatmaps.png", "peak_error_curves.png", "hybrid_error.png", "solution.png"},
    "mscale-fit": {"error_curves.png", "loss.png", "solution.png", "spectrum.png", "peak_error_heatmaps.png"},
    "poisson-annulus": {"error_curves.png", "loss.png", "solution_2d.png", "error_map.png"},
    "condensation-1d": {"fit.png", "features.png", "cosine_similarity.png", "loss.png"},
    "condensation-initial": {"cosine_similarity.png", "features.png", "loss.png"},
    "phase-diagram": {"rd_vs_width.png", "phase_map.png", "final_loss.png"},
    "lfp-1d": {"lfp_fit.png", "lfp_weight.png", "loss.png"},
}

_RUNS: dict = {}


@pytest.fixture
def run_dir(request, tmp_path_factory):
    """A smoke run of the preset (steps cut to 12), trained once per test session."""
    name = request.param
    if name not in _RUNS:
        spec, _ = resolve_spec(name)
        _RUNS[name] = run(shrink(spec), tmp_path_factory.mktemp("runs") / name)[1].path
    return _RUNS[name]


def _drew(ax) -> bool:
    return bool(ax.lines or ax.images or ax.collections or ax.patches)


@pytest.mark.parametrize("run_dir", sorted(FILES), indirect=True)
def test_every_display_draws_into_the_given_axes(run_dir):
    made = displays(run_dir)
    assert set(made) == FILES[run_dir.name]
    for name, d in made.items():
        assert isinstance(d, Display)
        fig, ax = plt.subplots()
        try:
            assert d.plot(ax=ax) is d
            assert d.figure_ is fig
            panels = list(np.ravel(d.ax_))
            if len(panels) == 1:  # one panel: drawn into that very Axes
                assert panels[0] is ax
            else:  # several: the given Axes' cell is split into them
                assert ax not in fig.axes and all(p in fig.axes for p in panels)
            assert any(_drew(p) for p in panels), name
            assert all(_drew(p) for p in panels if p.axison), name
        finally:
            plt.close(fig)


@pytest.mark.parametrize("run_dir", sorted(FILES), indirect=True)
def test_report_writes_every_figure_file(run_dir, tmp_path):
    d = tmp_path / run_dir.name
    shutil.copytree(run_dir, d)
    shutil.rmtree(d / "figures", ignore_errors=True)
    assert main(["report", str(d)]) == 0
    assert {p.name for p in (d / "figures").iterdir()} == FILES[run_dir.name]
    page = (d / "report.html").read_text(encoding="utf-8")
    assert all(f"<figcaption>{f}</figcaption>" in page for f in FILES[run_dir.name])
    assert not plt.get_fignums()  # the report closes what it drew


@pytest.mark.parametrize("run_dir", ["fprinciple-1d"], indirect=True)
def test_compute_once_plot_many(run_dir):
    h = load_run(run_dir)["history"]
    heat = FrequencyErrorHeatmap.from_history(h)
    fig, (a, b) = plt.subplots(1, 2)
    heat.plot(ax=a)
    heat.plot(ax=b)
    assert np.array_equal(a.collections[0].get_array(), b.collections[0].get_array())
    assert np.allclose(a.collections[0].get_array().reshape(-1), np.asarray(h["peak_error"]).T.reshape(-1))
    plt.close(fig)
    loss = LossCurve.from_run(run_dir)
    fig, axes = plt.subplots(2, 2)
    with pytest.raises(ValueError, match="panel"):
        loss.plot(ax=axes)  # one panel, four Axes
    own = loss.plot()  # no Axes: a figure of its own
    assert own.figure_ is not fig and np.allclose(own.ax_.lines[0].get_ydata(), h["loss"])
    plt.close("all")


@pytest.mark.parametrize("run_dir", ["fprinciple-1d"], indirect=True)
def test_training_animation_from_data(run_dir, tmp_path):
    assert len(TrainingAnimation.from_run(run_dir).frames) == min(40, len(load_run(run_dir)["history"]["snapshot_steps"]))
    anim = TrainingAnimation.from_run(run_dir, n_frames=4)
    assert len(anim.frames) == 4
    out = anim.save(tmp_path / "training.gif")
    with Image.open(out) as im:
        assert im.n_frames == len(anim.frames)
    fig, axes = plt.subplots(1, 2)
    anim.plot(ax=axes, frame=0)
    assert all(_drew(a) for a in axes)
    plt.close("all")


def test_sweep_report_composes_the_kind_displays(tmp_path):
    out = tmp_path / "sw"
    assert main(["sweep", "condensation-1d", "--set", "train.steps=6", "--set", "model.width=40",
                 "--grid", "model.init_t=0.1,1", "--seeds", "2", "--out", str(out), "--quiet"]) == 0
    made = displays(out)
    assert set(made) == {"model.init_t.png"} | set(FIGURES["condensation-1d"].sweep)
    assert {p.name for p in (out / "figures").iterdir()} == set(made)
    for d in made.values():
        fig, ax = plt.subplots()
        d.plot(ax=ax)
        assert any(_drew(p) for p in np.ravel(d.ax_))
        plt.close(fig)


def test_a_damaged_sweep_toml_is_named(tmp_path):
    from simbias.errors import InputError

    (tmp_path / "sweep.toml").write_text("[sweep\nname = ", encoding="utf-8")
    with pytest.raises(InputError, match="sweep.toml"):
        displays(tmp_path)
