import math

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import parse_expression


def test_evaluates_whitelisted_functions(f64):
    x = torch.linspace(-2, 2, 11)
    e = parse_expression("sin(x) + 0.5*sin(6*x) - x**2/3 + abs(x) + max(x, 0) + min(x, 1) + relu(-x) + e + pi")
    want = (torch.sin(x) + 0.5 * torch.sin(6 * x) - x**2 / 3 + x.abs() + x.clamp(min=0) + x.clamp(max=1)
            + torch.relu(-x) + math.e + math.pi)
    torch.testing.assert_close(e(x), want)


def test_d_dimensional_variables(f64):
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    e = parse_expression("x1*x2 + exp(-x3**2)", dim=3)
    torch.testing.assert_close(e(x), x[:, 0] * x[:, 1] + torch.exp(-x[:, 2] ** 2))


def test_is_differentiable(f64):
    x = torch.linspace(0, 1, 7, requires_grad=True)
    (g,) = torch.autograd.grad(parse_expression("sin(3*x)")(x).sum(), x)
    torch.testing.assert_close(g, 3 * torch.cos(3 * x.detach()))


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/simbias_pwned')", "x.__class__", "open('f')", "lambda: 1", "[x]",
    "x if x else 1", "eval('1')", "sin(x=1)", "y + 1", "x^2", "sin", "(x", "", "'a'", "max(x)", "x[0]",
])
def test_rejects_everything_else(text, tmp_path):
    with pytest.raises(InputError) as err:
        parse_expression(text)
    msg = str(err.value)
    assert msg.startswith("problem.target") and "\n" not in msg
    assert not (tmp_path / "simbias_pwned").exists()


def test_deep_nesting_is_an_input_error():
    with pytest.raises(InputError):
        parse_expression("(" * 5000 + "x" + ")" * 5000)


def test_wrong_variable_for_dimension():
    with pytest.raises(InputError, match="x1"):
        parse_expression("x", dim=2)
    with pytest.raises(InputError):
        parse_expression("x3", dim=2)
