"""History.to_pandas / to_xarray / repr on hand-made histories (single run and ensemble)."""

import numpy as np
import pytest

from simbias.errors import InputError, Outcome
from simbias.results import History


def _single():
    rng = np.random.default_rng(0)
    return History(steps=np.array([0, 5, 10]), arrays={"train_loss": rng.random(3), "peak_error": rng.random((3, 2)),
                                                       "output_test": rng.random((2, 500))},
                   static={"peak_frequencies": np.array([1.0, 3.0]), "snapshot_steps": np.array([0, 10])})


def _ensemble():
    rng = np.random.default_rng(1)
    return History(steps=np.array([0, 5, 10]), arrays={"train_loss": rng.random((4, 3)),
                                                       "peak_error": rng.random((4, 3, 2))},
                   static={"peak_frequencies": np.array([1.0, 3.0])},
                   outcome=[Outcome.COMPLETED] * 3 + [Outcome.DIVERGED])


def test_long_and_wide_single():
    h = _single()
    long = h.to_pandas()
    assert len(long) == 3 + 3 * 2  # output_test (500 per record) is left out
    pe = long[long.name == "peak_error"].pivot(index="step", columns="index", values="value").to_numpy()
    np.testing.assert_array_equal(pe, h["peak_error"])
    wide = h.to_pandas("wide")
    assert list(wide.columns) == ["step", "train_loss", "peak_error[0]", "peak_error[1]"]
    np.testing.assert_array_equal(wide["peak_error[1]"], h["peak_error"][:, 1])
    assert len(h.to_pandas("long", max_width=1000)) == 9 + 2 * 500
    with pytest.raises(InputError, match="form"):
        h.to_pandas("tall")


def test_ensemble_member_axis():
    h = _ensemble()
    long = h.to_pandas()
    assert set(long.member) == {0, 1, 2, 3} and len(long) == 4 * 3 * 3
    wide = h.to_pandas("wide")
    assert len(wide) == 12
    row = wide[(wide.member == 2) & (wide.step == 5)]
    assert float(row["peak_error[1]"].iloc[0]) == h["peak_error"][2, 1, 1]
    pytest.importorskip("xarray")
    ds = h.to_xarray()
    assert ds["peak_error"].dims == ("member", "step", "peak")
    np.testing.assert_array_equal(ds["frequency"].values, [1.0, 3.0])
    assert float(ds["peak_error"].sel(member=3, step=10, peak=0)) == h["peak_error"][3, 2, 0]
    assert "diverged×1" in repr(h) and "completed×3" in repr(h)


def test_xarray_single_and_repr():
    pytest.importorskip("xarray")
    h = _single()
    ds = h.to_xarray()
    assert ds["peak_error"].dims == ("step", "peak") and ds["output_test"].dims == ("snapshot_step", "output_test_dim0")
    assert list(ds["snapshot_step"].values) == [0, 10]
    r = repr(h)
    assert r.startswith("History(outcome=completed, 3 records at steps 0…10") and "peak_error (3, 2)" in r
    assert "<table>" in h._repr_html_()
