"""Every preset's smoke configuration keeps its ``summary.json`` numbers across refactors.

``tests/data/preset_summaries.json`` was written by ``tools/preset_golden.py`` (steps capped at 12,
float64) before the experiment core was redesigned; this test reruns the same configurations and
compares.  Tolerance: relative 1e-6 on floats — float64 runs of a dozen steps move by at most
~2e-9 between CPU kernel families (measured: ``parity``'s ``peak_output`` differs by 1.7e-9 between
``ATEN_CPU_CAPABILITY=avx2`` and ``=default``), so 1e-6 is robust on every CPU while any change of
the computation shows.  One exception, measured: ``jacobi-vs-dnn`` fits an odd solution with an odd
network (tanh, zero biases), so the biases' gradients are exactly zero in exact arithmetic and rounding
noise (~1e-17) on a real CPU; Adam divides them by their own size (≈ eps), so the kernels' rounding
decides the first bias steps and the 12-step summary moves by up to 6.6e-4 relative between
``ATEN_CPU_CAPABILITY=default`` and ``avx2`` (same code).  Its tolerance is 1e-2 (``RTOL_BY_PRESET``);
it still catches a changed computation (a change of the model, data or optimiser moves it by ≫ 1e-2).  Integers, strings and the set of keys must be equal; timing fields
(``wall_time_s``, ``ms_per_step``) are not compared.
"""

import json
import math
from pathlib import Path

import pytest

GOLDEN = json.loads((Path(__file__).parent / "data" / "preset_summaries.json").read_text())
RTOL = 1e-6
pytestmark = pytest.mark.numerics  # .ci/run reruns it under the other CPU kernel capabilities
RTOL_BY_PRESET = {"jacobi-vs-dnn": 1e-2}  # symmetry broken by rounding, amplified by Adam (see above)
TIMING = ("wall_time", "ms_per_step", "time_s")


def _compare(new, old, path, worst, rtol=RTOL):
    if isinstance(old, dict):
        assert isinstance(new, dict) and set(new) == set(old), f"{path}: keys {sorted(set(new) ^ set(old))}"
        for k in old:
            if not any(t in k for t in TIMING):
                _compare(new[k], old[k], f"{path}.{k}", worst, rtol)
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{path}: length {len(new)} != {len(old)}"
        for i, (a, b) in enumerate(zip(new, old)):
            _compare(a, b, f"{path}[{i}]", worst, rtol)
    elif isinstance(old, float):
        assert isinstance(new, (int, float)), f"{path}: {new!r} is not a number"
        if math.isnan(old):
            assert math.isnan(new), f"{path}: {new} != nan"
            return
        rel = abs(new - old) / max(abs(old), abs(new), 1e-300)
        worst[0] = max(worst[0], rel)
        assert rel <= rtol, f"{path}: {new!r} != {old!r} (relative {rel:.2e} > {rtol})"
    else:
        assert new == old, f"{path}: {new!r} != {old!r}"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_preset_summary_unchanged(name):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from preset_golden import smoke_summary

    worst = [0.0]
    _compare(smoke_summary(name), GOLDEN[name], name, worst, RTOL_BY_PRESET.get(name, RTOL))
