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

Limits (documented maxima; anything beyond raises ``InputError`` naming the spec key and the limit):

* :data:`MAX_LENGTH` = 2000 characters of text;
* :data:`MAX_DEPTH` = 64 levels of nesting in the syntax tree (``sin(sin(…))``, ``-(-(…))``);
* :data:`MAX_LITERAL_CHARS` = 40 characters per number literal (a 401-digit integer is refused
  before it is converted), and every literal must be a finite float64;
* at evaluation, :func:`check_expression_on` also refuses literals beyond the range of the dtype
  the run computes in (``1e39`` in a float32 run) and any non-finite value on the points.
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

__all__ = ["Expression", "parse_expression", "check_expression_on", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH",
           "MAX_LITERAL_CHARS"]

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
MAX_LENGTH = 2000
MAX_DEPTH = 64
MAX_LITERAL_CHARS = 40
_MAX_LEN = MAX_LENGTH  # old private name
_VAR_RE = re.compile(r"^x([1-9][0-9]*)?$")

Node = Callable[[Tensor], Tensor]
_F64_MAX = torch.finfo(torch.float64).max


class Expression:
    """A parsed, whitelisted expression of ``dim`` variables.

    Call it with ``x`` of shape ``(n,)`` (only when ``dim == 1``) or ``(n, dim)``; it returns
    values of shape ``(n,)`` with ``x``'s dtype and device.  It is differentiable where the
    functions are (autograd sees ordinary torch operations).  Build one with
    :func:`parse_expression`; the constructor is the parser's.

    Parameters
    ----------
    text : str
        The source text (kept for ``repr`` and summaries).
    dim : int
        Number of input variables (``x`` or ``x1 … xdim``).
    fn : callable
        The compiled tree, (n, dim) tensor → values.
    variables : frozenset of str
        The variable names the text uses.
    name : str
        The spec key the text came from (named in error messages).
    max_constant : float
        The largest magnitude of a number literal or constant in the text.

    Examples
    --------
    >>> import torch
    >>> f = parse_expression("x1 * x2 + 1", dim=2)
    >>> f(torch.tensor([[2.0, 3.0], [0.0, 5.0]]))
    tensor([7., 1.])
    """

    def __init__(self, text: str, dim: int, fn: Node, variables: frozenset[str], name: str,
                 max_constant: float = 0.0):
        self.text, self.dim, self._fn, self.variables, self.name = text, dim, fn, variables, name
        #: the largest magnitude of a number literal or constant in the text (for dtype range checks)
        self.max_constant = float(max_constant)

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

    Only numbers, the variables, ``pi``, ``e``, ``+ - * / ** %``, unary signs and calls of the
    functions of :data:`FUNCTIONS` are accepted; the text is never executed (see the module
    docstring).  Its length is limited to :data:`MAX_EXPRESSION_LENGTH` characters and its
    nesting to :data:`MAX_EXPRESSION_DEPTH` levels.

    Parameters
    ----------
    text : str
        The formula, in ``x`` (when ``dim == 1``) or ``x1 … xdim``.
    dim : int
        Number of input variables.
    name : str
        The spec key the text came from; it is named in every error message.

    Returns
    -------
    Expression
        A callable (n, dim) or, in 1-D, (n,) tensor → (n,) values.

    Examples
    --------
    >>> import torch
    >>> f = parse_expression("sin(x) + sin(3*x)")
    >>> f(torch.zeros(2))
    tensor([0., 0.])
    """
    if not isinstance(text, str):
        raise InputError(name, f"expected an expression string, got {text!r}", "quote it, e.g. 'sin(x)'")
    if len(text) > MAX_LENGTH:
        raise InputError(name, f"expression is {len(text)} characters long (limit {MAX_LENGTH})",
                         f"keep it to at most {MAX_LENGTH} characters")
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
        raise InputError(name, f"expression is nested more than {MAX_DEPTH} levels deep",
                         f"simplify it to at most {MAX_DEPTH} levels") from None
    depth = _depth(tree.body)
    if depth > MAX_DEPTH:
        raise InputError(name, f"expression is nested {depth} levels deep (limit {MAX_DEPTH})",
                         f"simplify it to at most {MAX_DEPTH} levels")
    used: set[str] = set()
    consts: list[float] = [0.0]
    try:
        fn = _compile(tree.body, text.strip(), dim, name, used, consts)
    except RecursionError:  # pragma: no cover - the depth limit above comes first
        raise InputError(name, f"expression is nested more than {MAX_DEPTH} levels deep", "simplify it") from None
    return Expression(text, dim, fn, frozenset(used), name, max(consts))


def _depth(root: ast.AST) -> int:
    """Depth of the syntax tree, walked without recursion (a hostile tree cannot exhaust the stack)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if d <= MAX_DEPTH:  # no need to look further once the limit is passed
            stack.extend((child, d + 1) for child in ast.iter_child_nodes(node)
                         if not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)))
    return deepest


def _column(index: int) -> Node:
    return lambda x: x[:, index]


def _constant(value: float) -> Node:
    return lambda x: torch.full(x.shape[:1], value, dtype=x.dtype, device=x.device)


def _compile(node: ast.AST, text: str, dim: int, name: str, used: set[str], consts: list[float]) -> Node:
    def bad(what: str, fix: str = "allowed: numbers, variables, + - * / ** %, and " + ", ".join(FUNCTIONS)):
        piece = ast.get_source_segment(text, node) or type(node).__name__
        raise InputError(name, f"{what} {piece!r} is not allowed in {text!r}", fix)

    rec = lambda n: _compile(n, text, dim, name, used, consts)  # noqa: E731
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            bad("the constant")
        piece = ast.get_source_segment(text, node) or ""
        if len(piece) > MAX_LITERAL_CHARS:
            raise InputError(name, f"a number literal is {len(piece)} characters long (limit {MAX_LITERAL_CHARS})",
                             f"write it in scientific notation, e.g. 1.5e12, with at most {MAX_LITERAL_CHARS} characters")
        try:
            value = float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise InputError(name, f"the number {piece!r} is beyond the float64 range (±{_F64_MAX:.3g})",
                             "use a smaller constant")
        consts.append(abs(value))
        return _constant(value)
    if isinstance(node, ast.Name):
        ident = node.id
        if ident in CONSTANTS:
            consts.append(CONSTANTS[ident])
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


def check_expression_on(expression, points, *, key: str = "problem.target", dtype=None, n: int = 1001) -> Tensor:
    """Evaluate an expression on points of its domain and refuse it unless every value is finite.

    This is the pre-flight check for user-typed formulas (``problem.target``, ``problem.solution``,
    ``problem.coefficient``): call it *before* a run directory is claimed, so a formula such as
    ``log(x-x)``, ``sqrt(x)`` on [−1, 1] or ``1/x`` on a grid through 0 is refused with one line
    naming the spec key, instead of failing (or producing NaN) during training.

    Parameters
    ----------
    expression : str or Expression
        The text (parsed here with ``name=key`` and the points' dimension) or an already parsed
        :class:`Expression`.
    points : Tensor, Domain, or [lo, hi]
        Where to evaluate: an ``(n, d)`` (or ``(n,)`` in 1-D) tensor of the run's own points
        (best: the training and test inputs), or a domain — a :class:`~simbias.problems.Domain`,
        anything :func:`~simbias.problems.as_domain` accepts, e.g. ``[-1, 1]`` — on which ``n``
        points are placed: for an interval, ``n`` equally spaced points including both ends; for
        other domains ``n`` interior and ``n // 4`` boundary points drawn with a fixed seed (0);
        plus the origin and the centre of a box when they lie in the domain.
    key : str
        The spec key the expression came from; it is named in every error.
    dtype : torch.dtype or str, optional
        The float dtype the run computes in (default: the points' dtype, else
        ``torch.get_default_dtype()``).  Literals beyond its range (``1e39`` in float32) are
        refused, naming the limit.
    n : int
        How many points to place when ``points`` is a domain.

    Returns
    -------
    Tensor
        The values at the points, shape ``(number of points,)``, in ``dtype``.

    Raises
    ------
    InputError
        Naming ``key``: a parse error, a literal beyond the dtype's range, or a non-finite value
        (with the first offending point).

    Examples
    --------
    >>> x_train = torch.linspace(-3.14, 3.14, 201)
    >>> check_expression_on("sin(x) + sin(3*x)", x_train, key="problem.target", dtype=torch.float32).shape
    torch.Size([201])
    >>> check_expression_on("sin(x)", [-3.14, 3.14]).shape  # 1001 grid points, the origin and the centre
    torch.Size([1003])
    >>> check_expression_on("sqrt(x)", [-1, 1], key="problem.solution")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    simbias.errors.InputError: problem.solution: ...
    """
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype.removeprefix("torch."), None)
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise InputError("dtype", f"got {dtype!r}", "use float32 or float64")
    if isinstance(points, Tensor):
        x = points
        if not torch.is_floating_point(x):
            x = x.to(dtype or torch.get_default_dtype())
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2:
            raise InputError(f"points for {key}", f"expected shape (n, d), got {tuple(x.shape)}",
                             "pass one column per input dimension")
        dtype = dtype or x.dtype
        x = x.to(dtype)
    else:
        from ._domains import Box, as_domain

        domain = as_domain(points)
        dtype = dtype or torch.get_default_dtype()
        if isinstance(domain, Box) and domain.dim == 1:
            lo, hi = float(domain.lows[0]), float(domain.highs[0])
            x = torch.linspace(lo, hi, max(int(n), 2), dtype=torch.float64)[:, None]
        else:
            g = torch.Generator().manual_seed(0)
            x = torch.cat([domain.sample_interior(max(int(n), 1), g, dtype=torch.float64),
                           domain.sample_boundary(max(int(n) // 4, 1), g, dtype=torch.float64)])
        # where formulas most often break: the origin (1/x, log(abs(x))) and the centre, when inside
        extra = torch.zeros(1, domain.dim, dtype=torch.float64)
        if isinstance(domain, Box):
            extra = torch.cat([extra, (domain.lows + domain.highs)[None, :].to(torch.float64) / 2])
        x = torch.cat([x, extra[domain.contains(extra, tol=0.0)]])
        x = x.to(dtype)
    expr = expression if isinstance(expression, Expression) else parse_expression(expression, dim=x.shape[1], name=key)
    limit = torch.finfo(dtype).max
    if expr.max_constant > limit:
        kind = str(dtype).removeprefix("torch.")
        raise InputError(key, f"a constant of magnitude {expr.max_constant:.3g} in {expr.text!r} is beyond the "
                         f"{kind} range (±{limit:.3g})", "use a smaller constant, or dtype = \"float64\"")
    with torch.no_grad():
        try:
            y = expr(x)
        except (RuntimeError, OverflowError) as e:  # pragma: no cover - defensive: torch refusing an operation
            raise InputError(key, f"{expr.text!r} cannot be evaluated ({e})".splitlines()[0], "change the expression") from None
    bad = ~torch.isfinite(y)
    if bool(bad.any()):
        i = int(torch.nonzero(bad)[0, 0])
        where = ", ".join(f"{float(v):.6g}" for v in x[i])
        raise InputError(key, f"{expr.text!r} is {float(y[i])} at x = ({where}) ({int(bad.sum())} of {len(y)} points "
                         "not finite)", "change the expression or the domain; log, sqrt and division need a safe range")
    return y
