"""A whitelisting parser for user-typed target expressions, evaluated in torch.

``parse_expression("sin(x) + 0.5*sin(6*x)")`` returns an :class:`Expression` that maps a tensor of
points to values.  The text is parsed with :func:`ast.parse` (which builds a syntax tree and runs
nothing) and then checked node by node against a whitelist: numbers, the variables, ``pi`` and
``e``, ``+ - * / ** %``, unary ``-``/``+``, and calls of the functions below by name with
positional arguments.  Everything else — attribute access, subscripts, keywords, lambdas,
comprehensions, strings, unknown names — is rejected with an :class:`~simbias.errors.InputError`
naming the offending piece.  Nothing a user types is ever executed as Python code: the checked
tree is compiled into a closure of torch operations.

Functions: sin cos tan exp log sqrt abs tanh sign floor round relu (one argument);
min max (two arguments, element-wise).  Variables: ``x`` in one dimension; ``x1 … xd`` in d
dimensions (``x`` is then an alias of ``x1`` only when d = 1).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from typing import Callable

import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["Expression", "parse_expression", "FUNCTIONS"]

FUNCTIONS: dict[str, tuple[int, Callable[..., Tensor]]] = {
    "sin": (1, torch.sin),
    "cos": (1, torch.cos),
    "tan": (1, torch.tan),
    "exp": (1, torch.exp),
    "log": (1, torch.log),
    "sqrt": (1, torch.sqrt),
    "abs": (1, torch.abs),
    "tanh": (1, torch.tanh),
    "sign": (1, torch.sign),
    "floor": (1, torch.floor),
    "round": (1, torch.round),
    "relu": (1, torch.relu),
    "min": (2, torch.minimum),
    "max": (2, torch.maximum),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: torch.pow,
    ast.Mod: torch.remainder,
}
_MAX_LEN = 2000
_VAR_RE = re.compile(r"^x([1-9][0-9]*)?$")

Node = Callable[[Tensor], Tensor]


class Expression:
    """A parsed, whitelisted expression of ``dim`` variables.

    Call it with ``x`` of shape ``(n,)`` (only when ``dim == 1``) or ``(n, dim)``; it returns
    values of shape ``(n,)`` with ``x``'s dtype and device.  It is differentiable where the
    functions are (autograd sees ordinary torch operations).
    """

    def __init__(self, text: str, dim: int, fn: Node, variables: frozenset[str], name: str):
        self.text, self.dim, self._fn, self.variables, self.name = text, dim, fn, variables, name

    def __call__(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x)
        if not torch.is_floating_point(x):
            x = x.to(torch.get_default_dtype())
        if x.ndim == 1 and self.dim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise InputError(
                f"points for {self.name}", f"expected shape (n, {self.dim}), got {tuple(x.shape)}",
                "pass one column per input dimension",
            )
        out = self._fn(x)
        return torch.broadcast_to(torch.as_tensor(out, dtype=x.dtype, device=x.device), x.shape[:1])

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, dim={self.dim})"


def parse_expression(text: str, *, dim: int = 1, name: str = "problem.target") -> Expression:
    """Parse ``text`` into an :class:`Expression` of ``dim`` variables, or raise ``InputError``.

    ``name`` is the spec key the text came from; it is named in every error message.
    """
    if not isinstance(text, str):
        raise InputError(name, f"expected an expression string, got {text!r}", "quote it, e.g. 'sin(x)'")
    if len(text) > _MAX_LEN:
        raise InputError(name, f"expression is {len(text)} characters long", f"keep it under {_MAX_LEN}")
    if not text.strip():
        raise InputError(name, "expression is empty", "give a formula such as 'sin(x) + sin(3*x)'")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InputError(
            name, f"{text!r} is not a valid expression ({exc.msg} at column {exc.offset})",
            "use numbers, x, + - * / **, and functions like sin(x)",
        ) from None
    except (RecursionError, MemoryError):
        raise InputError(name, "expression is nested too deeply", "simplify it") from None
    used: set[str] = set()
    try:
        fn = _compile(tree.body, text, dim, name, used)
    except RecursionError:
        raise InputError(name, "expression is nested too deeply", "simplify it") from None
    return Expression(text, dim, fn, frozenset(used), name)


def _column(index: int) -> Node:
    return lambda x: x[:, index]


def _constant(value: float) -> Node:
    return lambda x: torch.full(x.shape[:1], value, dtype=x.dtype, device=x.device)


def _compile(node: ast.AST, text: str, dim: int, name: str, used: set[str]) -> Node:
    def bad(what: str, fix: str = "allowed: numbers, variables, + - * / ** %, and " + ", ".join(FUNCTIONS)):
        piece = ast.get_source_segment(text, node) or type(node).__name__
        raise InputError(name, f"{what} {piece!r} is not allowed in {text!r}", fix)

    rec = lambda n: _compile(n, text, dim, name, used)  # noqa: E731
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            bad("the constant")
        return _constant(float(node.value))
    if isinstance(node, ast.Name):
        ident = node.id
        if ident in CONSTANTS:
            return _constant(CONSTANTS[ident])
        m = _VAR_RE.match(ident)
        if m:
            index = 0 if m.group(1) is None else int(m.group(1)) - 1
            if m.group(1) is None and dim != 1:
                bad("the variable", f"this input has {dim} dimensions: use x1 … x{dim}")
            if index >= dim:
                bad("the variable", f"this input has {dim} dimension(s): use x" + ("" if dim == 1 else f"1 … x{dim}"))
            used.add(ident)
            return _column(index)
        if ident in FUNCTIONS:
            bad("the bare function name", f"call it, e.g. {ident}(x)")
        bad("the name", "variables are x (1-D) or x1 … xd; constants pi and e")
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            bad("the operator ^ in", "write powers as x**2")
        op = _BINOPS.get(type(node.op))
        if op is None:
            bad("the operator in")
        left, right = rec(node.left), rec(node.right)
        return lambda x: op(left(x), right(x))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            inner = rec(node.operand)
            return lambda x: -inner(x)
        if isinstance(node.op, ast.UAdd):
            return rec(node.operand)
        bad("the operator in")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            bad("the call")
        if node.keywords:
            bad("keyword arguments in", "pass arguments by position, e.g. max(x, 0)")
        arity, fn = FUNCTIONS[node.func.id]
        if len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
            bad("the call", f"{node.func.id} takes {arity} argument{'s' if arity > 1 else ''}")
        args = [rec(a) for a in node.args]
        if arity == 1:
            (a0,) = args
            return lambda x: fn(a0(x))
        a0, a1 = args
        return lambda x: fn(a0(x), a1(x))
    bad("the construct")
    raise AssertionError("unreachable")  # pragma: no cover
