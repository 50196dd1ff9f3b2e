"""Phase diagram of two-layer ReLU nets (papers.md T18, T19) and the learning-rate rules behind it.

The fast test is the CI version of T18 (signs of S_w at γ = 0.5 and 1.75, widths 500 … 4 000); the
full T18 (widths 1 000 … 40 000, 3 seeds) and T19 (a (γ, γ′) grid) are marked slow.
"""

import math

import pytest
import torch

from simbias import theory, train
from simbias.errors import InputError
from simbias.experiments import resolve_spec
from simbias.experiments import run as run_experiment
from simbias.nn import TwoLayer

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI


def _slopes(result):
    return {(s["gamma"], s["gamma_prime"]): s for s in result.summary["slopes"]}


def test_t18_ci_signs_of_the_width_slope():
    spec, _ = resolve_spec("phase-diagram", ["phase.gammas=[0.5, 1.75]", "phase.widths=[500, 1000, 2000, 4000]",
                                             "phase.seeds=1", "train.steps=10000"])
    res = run_experiment(spec)[0]
    sl = _slopes(res)
    assert sl[(0.5, 0.0)]["regime"] == "linear" and sl[(1.75, 0.0)]["regime"] == "condensed"
    assert sl[(0.5, 0.0)]["slope"] < 0                     # linear: RD → 0 with width (research: −0.54)
    assert sl[(1.75, 0.0)]["slope"] > 0                    # condensed: RD grows (research: +0.40)
    assert res.summary["agreement"] == 1.0
    assert res.summary["max_final_loss"] < 1e-6 and res.summary["diverged"] == 0
    rd = res.history["rd"]
    assert rd.shape == (2, 1, 4) and (rd[0] < 0.05).all() and (rd[1] > 1).all()


def test_parametrisations_with_the_same_coordinates_give_the_same_rd():
    """α = 1, β = m^(−γ/2) and α = m^γ, β = 1 follow the same normalised GD with lr = auto (the cap
    is on η/α), so RD agrees to rounding — including the capped condensed case."""
    common = ["phase.gammas=[0.5, 1.75]", "phase.widths=[40, 80, 160]", "phase.seeds=1", "train.steps=400",
              "train.check_every=400", "dtype=float64"]
    a = run_experiment(resolve_spec("phase-diagram", common)[0])[0]
    b = run_experiment(resolve_spec("phase-diagram", common + ["phase.parametrisation=paper"])[0])[0]
    torch.testing.assert_close(torch.as_tensor(a.history["rd"]), torch.as_tensor(b.history["rd"]), rtol=1e-6, atol=0)
    assert theory.phase_scales(1.75, 0.0, 100)[0] == pytest.approx(100 ** 1.75)   # "paper": α = m^γ


def test_sweep_member_equals_its_run():
    """The phase diagram is one job with its own trainer (it batches every width internally); a
    sweep member gives the numbers of its own run."""
    from simbias.experiments import run_members

    quick = ["phase.gammas=[0.5, 1.75]", "phase.widths=[20, 40, 80]", "phase.seeds=1", "train.steps=200",
             "train.check_every=50"]
    specs = [resolve_spec("phase-diagram", quick + [f"seed={s}"])[0] for s in (0, 1)]
    members = run_members(specs)
    assert all(str(m.outcome) == "completed" for m in members)
    for sp, m in zip(specs, members):
        single = run_experiment(sp)[0]
        assert m.result.summary["steps_run"] == single.summary["steps_run"]
        torch.testing.assert_close(torch.as_tensor(m.result.history["rd"]), torch.as_tensor(single.history["rd"]),
                                   rtol=1e-5, atol=0)
    assert not (members[0].result.history["rd"] == members[1].result.history["rd"]).all()   # seeds differ


@pytest.mark.parametrize("bad,key", [
    (["phase.widths=[500, 1000]"], "phase.widths"),
    (["phase.widths=[500, 1000, 1000]"], "phase.widths"),
    (["phase.widths=[0, 500, 1000]"], "phase.widths"),
    (["model.activation=swish"], "model.activation"),
    (["phase.seeds=0"], "phase.seeds"),
    (["train.optimizer=pso"], "train.optimizer"),
])
def test_bad_phase_input_is_one_line(bad, key):
    with pytest.raises(InputError) as exc:
        resolve_spec("phase-diagram", bad)
    msg = str(exc.value)
    assert msg.startswith(key) and "\n" not in msg


# --------------------------------------------------------------------------------------------
# learning-rate rules (simbias.train._lr)
# --------------------------------------------------------------------------------------------

def _net(width=64, **kw):
    return TwoLayer(1, width, generator=torch.Generator().manual_seed(0), dtype=torch.float64, **kw)


def test_auto_rule_is_half_over_the_ntk_lambda_max_with_a_cap_on_lr_over_alpha():
    x = torch.linspace(-1, 1, 4, dtype=torch.float64)[:, None]
    net = _net(init_t=0.25)
    K = theory.empirical_ntk(net, x)
    lam = float(torch.linalg.eigvalsh(0.5 * K).max())          # H = (2/N)·K with N = 4
    assert train.resolve_lr("auto", net, x) == pytest.approx(0.5 / lam, rel=1e-10)
    small = _net(init_t=1.5)                                   # tiny NTK → huge rule, capped
    assert train.resolve_lr("auto", small, x) > 10
    assert train.resolve_lr("auto", small, x, lr_max=0.05) == 0.05
    assert train.resolve_lr("auto", small, x, lr_max="none") == train.resolve_lr("auto", small, x)
    scaled = _net(alpha=8.0, beta1=1.0, beta2=1.0)
    assert train.resolve_lr("auto", scaled, x, lr_max=0.05) == pytest.approx(
        min(theory.ntk_learning_rate(scaled, x), 0.4))      # cap = lr_max·α
    assert train.resolve_lr(0.01, net, x) == 0.01


def test_scaled_rule_and_bad_rules():
    x = torch.zeros(3, 1, dtype=torch.float64)
    net = _net(alpha=4.0, beta1=0.5, beta2=2.0)
    assert train.resolve_lr("scaled", net, x, lr0=1e-3) == pytest.approx(1e-3 * 4.0 * math.sqrt(1.0))
    for bad in ("fast", -1.0, 0.0, True):
        with pytest.raises(InputError):
            train.resolve_lr(bad, net, x)


def test_loss_increase_and_restarts_halve_the_rate():
    assert train.loss_increase([4.0, 3.0, 2.0, 1.0]) is None
    assert train.loss_increase([4.0, 3.0, 3.5, 1.0]) == 2
    assert train.loss_increase([1e-9, 2e-9], floor=1e-8) is None       # wiggles below the tolerance
    assert train.loss_increase([1.0, float("nan")]) == 1

    from simbias.problems import Regression

    x = torch.linspace(-1, 1, 4, dtype=torch.float64)[:, None]
    y = 0.2 * torch.relu(x - 1 / 3) + 0.2 * torch.relu(-x - 1 / 3)
    prob = Regression(x, y, y, x, y, None, False, "t")
    built = []

    def build(lr):
        net = _net(width=50, init_t=0.25)
        built.append(lr)
        return net, torch.optim.SGD(net.parameters(), lr=lr)

    def run(net, opt):
        return train.fit(net, prob, opt, steps=200)

    stable = train.resolve_lr("auto", _net(width=50, init_t=0.25), x)
    res = train.fit_with_restarts(build, 64 * stable, run)
    assert res.restarts >= 1 and res.lr == pytest.approx(64 * stable / 2 ** res.restarts)
    assert train.loss_increase(res.history.static["loss"]) is None
    assert built == [64 * stable / 2 ** k for k in range(res.restarts + 1)]
    spent = train.fit_with_restarts(build, 64 * stable, run, max_restarts=0)   # budget spent: returned as is
    assert spent.restarts == 0 and train.loss_increase(spent.history.static["loss"]) is not None


# --------------------------------------------------------------------------------------------
# research scale (run once; numbers in the closing note)
# --------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_t18_full_slopes():
    """Preset: widths 1 000 … 40 000, 3 seeds, γ ∈ {0.5, 1, 1.75} (paper: −0.506, 0.007, 0.372)."""
    spec, _ = resolve_spec("phase-diagram")
    res = run_experiment(spec)[0]
    print(res.headline)
    sl = _slopes(res)
    assert -0.6 <= sl[(0.5, 0.0)]["slope"] <= -0.4
    assert -0.1 <= sl[(1.0, 0.0)]["slope"] <= 0.1
    assert sl[(1.75, 0.0)]["slope"] >= 0.2


@pytest.mark.slow
def test_t19_sign_map_follows_the_theoretical_boundary():
    """(γ, γ′) grid away from the boundary (margin ≥ 0.2): sign(S_w) matches the theorems."""
    spec, _ = resolve_spec("phase-diagram", ["phase.gammas=[0.6, 1.4]", "phase.gamma_primes=[-0.4, 0.0, 0.6]",
                                             "phase.widths=[1000, 2000, 4000, 8000]", "phase.seeds=2",
                                             "train.steps=40000"])
    res = run_experiment(spec)[0]
    print(res.headline)
    for s in res.summary["slopes"]:
        margin = s["gamma"] - 1 - max(0.0, s["gamma_prime"])
        assert abs(margin) > 0.1
        assert (s["slope"] < 0) == (margin < 0), s
    assert res.summary["agreement"] == 1.0
