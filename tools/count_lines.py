"""Count code lines of Python files: blank lines, comments and docstrings are not counted.

Usage: ``python tools/count_lines.py PATH [PATH ...]`` (files or directories, searched for ``*.py``);
prints one line per path and the total.  A line counts when it holds at least one token that is
not a comment and not part of a docstring (the first string statement of a module, class or function).
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def _docstring_lines(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                out.update(range(first.lineno, first.end_lineno + 1))
    return out


def count_file(path: Path) -> int:
    """Code lines of one Python file."""
    text = path.read_text(encoding="utf-8")
    doc = _docstring_lines(ast.parse(text))
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in _SKIP:
            continue
        lines.update(i for i in range(tok.start[0], tok.end[0] + 1) if i not in doc)
    return len(lines)


def count(path: Path) -> int:
    """Code lines of a file, or of every ``*.py`` below a directory."""
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    return sum(count_file(f) for f in files)


def main(argv: list[str]) -> int:
    total = 0
    for a in argv or ["src/simbias"]:
        n = count(Path(a))
        total += n
        print(f"{n:7d}  {a}")
    print(f"{total:7d}  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
