"""Domains: samplers land inside / on the boundary, boundary pieces weighted by measure, volumes, errors."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import DOMAINS, Annulus, Box, BoxWithHoles, Interval, as_domain, make_domain


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_interval_samples_and_endpoints(f64):
    d = Interval(-1, 2)
    x = d.sample_interior(2000, gen())
    assert x.shape == (2000, 1) and x.dtype == torch.float64
    assert bool(d.contains(x).all()) and float(x.min()) >= -1 and float(x.max()) <= 2
    xb = d.sample_boundary(4000, gen(1))
    assert set(xb[:, 0].tolist()) == {-1.0, 2.0}
    assert abs(float((xb[:, 0] == 2.0).double().mean()) - 0.5) < 0.04
    assert d.volume == 3.0 and d.boundary_measure == 2.0


def test_box_boundary_faces_weighted_by_measure(f64):
    d = Box([0, 0], [4, 1])  # faces x=0, x=4 have length 1; faces y=0, y=1 have length 4
    xb = d.sample_boundary(20000, gen())
    assert bool(d.on_boundary(xb).all()) and bool(d.contains(xb).all())
    on_vertical = ((xb[:, 0] == 0) | (xb[:, 0] == 4)).double().mean()
    assert abs(float(on_vertical) - 2 / 10) < 0.015
    assert d.volume == 4.0 and d.boundary_measure == 10.0
    xi = d.sample_interior(1000, gen(2))
    assert bool(d.contains(xi).all()) and not bool(d.on_boundary(xi).any())
    assert not bool(d.contains(torch.tensor([[4.1, 0.5]])).any())


def test_same_seed_same_points_any_dtype():
    d = Annulus()
    a = d.sample_interior(50, gen(3), dtype=torch.float64)
    b = d.sample_interior(50, gen(3), dtype=torch.float32)
    torch.testing.assert_close(a.float(), b)


def test_annulus_interior_and_circles(f64):
    d = Annulus(1.0, 3.0, center=(0.5, -0.5))
    c = torch.tensor([0.5, -0.5])
    x = d.sample_interior(20000, gen())
    r = (x - c).norm(dim=1)
    assert float(r.min()) >= 1.0 and float(r.max()) <= 3.0
    # uniform in area: P(r ≤ 2) = (4 − 1)/(9 − 1)
    assert abs(float((r <= 2).double().mean()) - 3 / 8) < 0.015
    xb = d.sample_boundary(20000, gen(1))
    rb = (xb - c).norm(dim=1)
    on_outer = (rb - 3).abs() < 1e-12
    assert bool((on_outer | ((rb - 1).abs() < 1e-12)).all())
    assert abs(float(on_outer.double().mean()) - 3 / 4) < 0.015  # by length: 3 / (3 + 1)
    assert bool(d.on_boundary(xb).all())
    assert math.isclose(d.volume, 8 * math.pi) and math.isclose(d.boundary_measure, 8 * math.pi)


def test_box_with_holes(f64):
    holes = [((0.5, 0.5), 0.2), ((-0.5, -0.4), 0.3)]
    d = BoxWithHoles([-1, -1], [1, 1], holes)
    x = d.sample_interior(5000, gen())
    assert x.shape == (5000, 2) and bool(d.contains(x).all())
    for c, r in holes:
        assert float((x - torch.tensor(c)).norm(dim=1).min()) >= r
    assert math.isclose(d.volume, 4 - math.pi * (0.04 + 0.09))
    # Monte-Carlo volume check through the box sampler
    xbox = Box([-1, -1], [1, 1]).sample_interior(40000, gen(5))
    assert abs(4 * float(d.contains(xbox).double().mean()) - d.volume) < 0.05
    xb = d.sample_boundary(20000, gen(1))
    assert bool(d.on_boundary(xb).all())
    frac_holes = 1 - float(Box([-1, -1], [1, 1]).on_boundary(xb).double().mean())
    assert abs(frac_holes - 2 * math.pi * 0.5 / (8 + 2 * math.pi * 0.5)) < 0.015


def test_box_with_holes_3d_volume(f64):
    d = BoxWithHoles([0, 0, 0], [1, 1, 1], [((0.5, 0.5, 0.5), 0.25)])
    assert math.isclose(d.volume, 1 - 4 / 3 * math.pi * 0.25**3)
    xb = d.sample_boundary(3000, gen())
    assert bool(d.on_boundary(xb).all())


@pytest.mark.parametrize("bad", [
    dict(lows=[0, 0], highs=[1, 1], holes=[((0.9, 0.5), 0.2)]),                  # leaves the box
    dict(lows=[0, 0], highs=[1, 1], holes=[((0.4, 0.5), 0.2), ((0.6, 0.5), 0.2)]),  # overlap
    dict(lows=[0, 0], highs=[1, 1], holes=[((0.5,), 0.2)]),                        # wrong dimension
    dict(lows=[0, 0], highs=[1, 1], holes=[((0.5, 0.5), -0.1)]),                   # negative radius
    dict(lows=[1, 0], highs=[1, 1]),                                               # empty box
])
def test_bad_domains_raise(bad):
    with pytest.raises(InputError, match="problem.domain"):
        BoxWithHoles(**bad)


def test_registry_and_as_domain():
    assert set(DOMAINS) == {"interval", "box", "annulus", "box_with_holes"}
    with pytest.raises(InputError, match="annulus"):
        make_domain("disc")
    with pytest.raises(InputError, match="r_inner"):
        make_domain("annulus", radius=2)
    with pytest.raises(InputError, match="r_inner"):
        Annulus(3.0, 1.0)
    assert isinstance(as_domain([0, 1]), Interval)
    assert isinstance(as_domain({"name": "box", "lows": [0, 0], "highs": [1, 2]}), Box)
    assert as_domain("annulus").dim == 2
    with pytest.raises(InputError, match="generator"):
        Interval().sample_interior(10, 0)
