"""Linear frequency principle (papers.md T15): a wide two-layer ReLU net in the linear regime
converges to the NTK/LFP prediction — the natural cubic spline for small output and large input
weights (case A), the linear interpolant for large output and small input weights (case B).

T16 (the FP-norm solver alone) is tested in tests/theory; here the network is trained.
"""

import pytest

from simbias.errors import InputError
from simbias.experiments import resolve_spec
from simbias.experiments._lfp import relu_two_layer_ntk, run_lfp, uniform_mirrored_init

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI

CASE_B = ["model.w_range=0.2", "model.b_range=1.0", "model.a_range=1.0", "train.momentum=0.9",
          "train.lr_factor=1.0", "train.steps=4000"]


def test_case_a_small_net_reaches_the_kernel_limit_near_the_cubic_spline():
    spec, _ = resolve_spec("lfp-1d", ["model.width=1000", "train.steps=1500"])
    r = run_lfp(spec)
    s = r.summary
    assert s["final_train_loss"] < 1e-8
    assert s["rel_error_vs_ntk"] < 0.03                 # linear regime: the NTK kernel-regression limit
    assert s["closest"] in ("cubic", "lfp")
    assert s["rel_error_vs_cubic"] < 0.1                # T15 threshold
    assert s["rel_error_vs_lfp"] < s["rel_error_vs_linear"]
    assert s["lfp_vs_cubic"] < 0.05 and s["lfp_vs_linear"] > 0.2
    for k in ("lfp_grid", "lfp_network", "lfp_prediction", "lfp_cubic", "lfp_linear", "lfp_gamma2"):
        assert k in r.history.static


def test_closed_form_ntk_equals_the_autograd_ntk():
    import torch

    from simbias import theory
    from simbias.nn import TwoLayer

    net = TwoLayer(1, 40, alpha=3.0, antisymmetric=True, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    uniform_mirrored_init(net, 3.0, 3.0, 0.1, generator=torch.Generator().manual_seed(1))
    assert torch.equal(net.w[:20], net.w[20:]) and torch.equal(net.a[:20], -net.a[20:])
    x1 = torch.linspace(-1, 1, 7, dtype=torch.float64)[:, None]
    x2 = torch.linspace(-0.9, 0.4, 5, dtype=torch.float64)[:, None]
    torch.testing.assert_close(relu_two_layer_ntk(net, x1, x2), theory.empirical_ntk(net, x1, x2))


def test_bad_lfp_input():
    for bad, key in ((["model.w_range=0"], "model.w_range"), (["model.width=999"], "model.width"),
                     (["problem.y=[1.0, 2.0]"], "problem.y"), (["problem.x=[0.1, 0.1, 0.2, 0.3, 0.4]"], "problem.x")):
        with pytest.raises(InputError) as exc:
            resolve_spec("lfp-1d", bad)
        assert str(exc.value).startswith(key)


@pytest.mark.slow
def test_t15_case_a_cubic_spline():
    s = run_lfp(resolve_spec("lfp-1d")[0]).summary           # width 10 000, w, b ~ U(±3), a ~ U(±0.1)
    print(s)
    assert s["rel_error_vs_cubic"] < 0.1
    assert s["rel_error_vs_lfp"] < s["rel_error_vs_linear"]
    assert s["closest"] in ("cubic", "lfp")


@pytest.mark.slow
def test_t15_case_b_linear_interpolant():
    s = run_lfp(resolve_spec("lfp-1d", CASE_B)[0]).summary   # w ~ U(±0.2), b ~ U(±1), a ~ U(±1)
    print(s)
    assert s["rel_error_vs_linear"] < 0.1
    assert s["rel_error_vs_lfp"] < s["rel_error_vs_cubic"]
    assert s["closest"] in ("linear", "lfp")
