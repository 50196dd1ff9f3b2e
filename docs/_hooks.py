"""MkDocs hooks of the simbias site (listed under ``hooks:`` in mkdocs.yml).

* The command-line and spec-key references are generated from the code at build time, so they
  never drift: a page holds a marker (``<!-- simbias:cli -->``, ``<!-- simbias:specs -->``,
  ``<!-- simbias:presets -->``) and :func:`on_page_markdown` replaces it with tables built from
  the argparse parser of ``simbias`` and from the registered spec dataclasses (every kind, every
  dotted key, its type, default and the meaning from the class docstring or a field comment).
* Every ``simbias ...`` line in a ``bash`` block of a page is checked: it must parse with the real
  parser, and its spec (preset + ``--set`` + each ``--grid``/``--zip`` value) must validate.  A
  command that drifted from the CLI fails the build.
* MathJax 3 is served from the site itself (copied from the ``django-static-mathjax`` wheel), and
  the CDN MathJax/mermaid scripts that nbconvert puts in notebook pages are removed; a page that
  still loads a script or stylesheet from another host fails the build.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import io
import re
import shlex
import typing
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

_MARKERS = ("cli", "specs", "presets")
_API = re.compile(r"<!-- simbias:api ([\w.]+) -->")


# --------------------------------------------------------------------------------------------
# MathJax from a wheel
# --------------------------------------------------------------------------------------------

def on_files(files, config):
    try:
        import mathjax  # django-static-mathjax: MathJax 3 under mathjax/static/mathjax
    except ImportError as exc:  # pragma: no cover - a missing docs extra
        raise PluginError("MathJax is missing: pip install -e '.[docs]' (django-static-mathjax)") from exc
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    wanted = [es5 / "tex-mml-chtml.js", *sorted((es5 / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))]
    for path in wanted:
        rel = path.relative_to(es5).as_posix()
        files.append(File.generated(config, f"assets/mathjax/{rel}", abs_src_path=str(path)))
    return files


_CDN_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_REMOTE_LINK = re.compile(r"<link[^>]*\brel=\"(?:stylesheet|preconnect|preload)\"[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I)
_MATHJAX2_CONFIG = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_MERMAID = re.compile(r"<script type=\"module\">\s*document\.addEventListener\(\"DOMContentLoaded\".*?</script>", re.S)


_NB_LINK = re.compile(r'href="(?![a-z]+:|#|/)([^"#]+\.(?:md|ipynb))(#[^"]*)?"')


def on_page_content(html, page, config, files):
    """Links in notebook markdown cells are written as in the repository (``../concepts/x.md``);
    mkdocs-jupyter leaves them as they are, so point them at the built pages here (a missing target
    fails the build)."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    import posixpath

    def fix(m):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), m.group(1)))
        f = files.get_file_from_path(target)
        if f is None:
            raise PluginError(f"{page.file.src_uri}: link to {m.group(1)} — no such page ({target})")
        return f'href="{f.url_relative_to(page.file)}{m.group(2) or ""}"'

    return _NB_LINK.sub(fix, html)


def on_post_page(output, page, config):
    if page.file.src_uri.endswith(".ipynb"):
        output = _MATHJAX2_CONFIG.sub("", output)  # nbconvert's MathJax 2 from a CDN; the site's MathJax 3 typesets
        output = _MERMAID.sub(lambda m: "" if "https://" in m.group(0) else m.group(0), output)
    remote = _CDN_SCRIPT.search(output) or _REMOTE_LINK.search(output)
    if remote:
        raise PluginError(f"{page.file.src_uri}: loads a script or stylesheet from another host ({remote.group(0)[:120]}); "
                          "the site must work offline — vendor it")
    return output


# --------------------------------------------------------------------------------------------
# generated references
# --------------------------------------------------------------------------------------------

def on_page_markdown(markdown, page, config, files):
    for name in _MARKERS:
        marker = f"<!-- simbias:{name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, {"cli": _cli_reference, "specs": _spec_reference,
                                                 "presets": _preset_table}[name]())
    markdown = _API.sub(lambda m: _api_directives(m.group(1)), markdown)
    _check_commands(markdown, page.file.src_uri)
    return markdown


def _api_directives(package: str) -> str:
    """One mkdocstrings ``:::`` block per public class and function of ``package`` (its ``__all__``,
    else every public name it imports from simbias), so the reference follows the code."""
    import importlib

    module = importlib.import_module(package)
    names = list(getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")])
    blocks = []
    for name in names:
        try:
            obj = getattr(module, name, None)
        except ImportError:  # a lazily imported name whose optional extra is not installed
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not getattr(obj, "__module__", "").startswith("simbias"):
            continue
        if name not in vars(module):  # imported lazily (``simbias.load``): documented where it is defined
            continue
        blocks.append(f"::: {package}.{name}\n")
    if not blocks:
        raise PluginError(f"reference/api.md: {package} exports no documented class or function")
    return "\n".join(blocks)


def _parser() -> argparse.ArgumentParser:
    from simbias.cli._main import build_parser

    return build_parser()


def _subcommands(parser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _cli_reference() -> str:
    parser = _parser()
    out = []
    subs = _subcommands(parser)
    helps = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
    for name, sp in subs.items():
        out.append(f"## `simbias {name}`\n")
        if helps.get(name):
            out.append(f"{helps[name][0].upper()}{helps[name][1:]}.\n")
        usage = sp.format_usage().replace("usage: ", "").strip()
        out.append("```text\n" + usage + "\n```\n")
        rows = []
        for a in sp._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            flag = ", ".join(a.option_strings) if a.option_strings else (a.metavar or a.dest)
            flag = flag.replace("|", "\\|")
            meta = ""
            if a.option_strings and a.nargs != 0:
                meta = " " + (a.metavar or a.dest.upper())
            choices = f" (one of {', '.join(map(str, a.choices))})" if a.choices else ""
            default = "" if a.default in (None, [], False, argparse.SUPPRESS) else f"`{a.default}`"
            rows.append(f"| `{flag}{meta}` | {_md(a.help or '')}{_md(choices)} | {default} |")
        if rows:
            out.append("| argument | meaning | default |\n|---|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(out)


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return " \\| ".join(f'"{a}"' if isinstance(a, str) else repr(a) for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", typing.Union)):
        return " \\| ".join(_type_name(a) for a in args)
    if origin in (list, tuple):
        inner = [a for a in args if a is not Ellipsis]
        return f"list of {_type_name(inner[0])}" if inner else "list"
    if tp is type(None):
        return "none"
    return getattr(tp, "__name__", str(tp))


def _default_text(value) -> str:
    if value is None:
        return "unset"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, float):
        return f"`{value:.6g}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    return f"`{value}`".replace("True", "true").replace("False", "false")


def _field_docs(cls) -> dict[str, str]:
    """Meaning of each field of ``cls`` from (in order of preference) an ``Attributes:`` entry or a
    ````name``: text`` clause of the class docstrings along the MRO, or a comment on/above the field."""
    docs: dict[str, str] = {}
    names = [f.name for f in dataclasses.fields(cls)]
    for klass in cls.__mro__:
        if klass is object or not dataclasses.is_dataclass(klass):
            continue
        doc = inspect.cleandoc(klass.__dict__.get("__doc__") or "")
        m = re.search(r"^Parameters\n-+\n(.*?)(?=\n\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M)
        if m:  # numpy style: "name : type, default …" then the indented meaning
            for name, text in re.findall(r"^(\w+)\s*:[^\n]*\n((?:[ \t]+[^\n]*\n?)+)", m.group(1), re.M):
                if name in names and name not in docs:
                    docs[name] = re.sub(r"\s+", " ", text).strip()
            doc = doc[:m.start()] + doc[m.end():]  # its "name : type" lines are not meanings
        body = " ".join(doc.split("\n\n", 1)[1:]) if "\n\n" in doc else ""
        body = re.sub(r"\s+", " ", body)
        for line in doc.splitlines():  # Attributes: name: text (Google style)
            m = re.match(r"\s*(\w+)\s*(?:\([^)]*\))?:\s+(.+)", line)
            if m and m.group(1) in names and m.group(1) not in docs and "``" not in m.group(0)[:len(m.group(1)) + 4]:
                docs[m.group(1)] = m.group(2).strip()
        # ``a`` and ``b``: text … up to the next ``x``: clause
        for m in re.finditer(r"((?:``\w+``(?:\s*(?:,|and|/|or)\s*)?)+)\s*(?:\([^)]*\))?:\s*(.+?)(?=(?:\s*;\s*|\.\s+|\s+)(?:``\w+``(?:\s*(?:,|and|/|or)\s*``\w+``)*\s*(?:\([^)]*\))?:)|$)", body):
            text = m.group(2).strip().rstrip(";").strip()
            for name in re.findall(r"``(\w+)``", m.group(1)):
                if name in names and name not in docs and text:
                    docs[name] = text
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        lines = source.splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"\s+(\w+)\s*:\s*[^=#]+(?:=[^#]*)?#\s*(.+)$", line)
            if m and m.group(1) in names and m.group(1) not in docs:
                docs[m.group(1)] = m.group(2).strip()
                continue
            m = re.match(r"\s+(\w+)\s*:", line)
            if m and m.group(1) in names and m.group(1) not in docs and i and lines[i - 1].strip().startswith("#"):
                j, comment = i - 1, []
                while j >= 0 and lines[j].strip().startswith("#"):
                    comment.insert(0, lines[j].strip().lstrip("#").strip())
                    j -= 1
                docs[m.group(1)] = " ".join(comment)
    for name, text in _referenced_parameter_docs(cls).items():  # the constructor the section feeds
        if name in names and name not in docs:
            docs[name] = text
    for name in names:  # any sentence that mentions the field, as a last resort
        if name in docs:
            continue
        for klass in cls.__mro__:
            doc = re.sub(r"\s+", " ", inspect.cleandoc(klass.__dict__.get("__doc__") or ""))
            hit = next((s for s in re.split(r"(?<=\.)\s+", doc) if f"``{name}``" in s), None)
            if hit:
                docs[name] = hit
                break
    return docs


def _referenced_parameter_docs(cls) -> dict[str, str]:
    """``Parameters`` entries (numpy style) of the objects that the class docstring points to with
    ``(see :class:`simbias.x.Y`)``: spec field names equal the constructor arguments they feed."""
    import importlib

    out: dict[str, str] = {}
    for klass in cls.__mro__:
        for ref in re.findall(r":(?:class|func):`~?(simbias\.[\w.]+)`", klass.__dict__.get("__doc__") or ""):
            module, _, attr = ref.rpartition(".")
            try:
                obj = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                continue
            doc = inspect.getdoc(obj) or ""
            if inspect.isclass(obj) and not re.search(r"^(Parameters|Args|Arguments)", doc, re.M):
                doc = inspect.getdoc(obj.__init__) or ""
            m = re.search(r"Parameters\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.S)
            if m:  # numpy style: "name : type" then an indented description
                for name, text in re.findall(r"^(\w+)\s*:[^\n]*\n((?:[ \t]+[^\n]*\n?)+)", m.group(1), re.M):
                    out.setdefault(name, re.sub(r"\s+", " ", text).strip())
            m = re.search(r"^(?:Args|Arguments|Parameters):\n((?:[ \t]+[^\n]*\n?)+)", doc, re.M)
            if m:  # google style: "    name: text" with indented continuation lines
                for name, first, rest in re.findall(r"^[ \t]{4}(\w+)(?: \([^)]*\))?:[ \t]*([^\n]*)\n?((?:[ \t]{5,}[^\n]*\n?)*)",
                                                    m.group(1), re.M):
                    out.setdefault(name, re.sub(r"\s+", " ", f"{first} {rest}").strip())
    return out


def _rst_to_md(text: str) -> str:
    text = re.sub(r":(?:class|func|data|meth|attr|mod):`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _spec_rows(cls, default, prefix: str, rows: list[str], sections: list[tuple[str, str]]) -> None:
    hints = typing.get_type_hints(cls)
    docs = _field_docs(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        value = getattr(default, f.name)
        if dataclasses.is_dataclass(tp):
            summary = (inspect.cleandoc(type(value).__doc__ or "").split("\n\n")[0]).replace("\n", " ")
            sections.append((f"{prefix}{f.name}", _rst_to_md(summary)))
            _spec_rows(type(value), value, f"{prefix}{f.name}.", rows, sections)
            continue
        meaning = _rst_to_md(docs.get(f.name, ""))
        if not meaning:
            refs = [r for k in cls.__mro__ for r in re.findall(r":(?:class|func):`~?(simbias\.[\w.]+)`", k.__dict__.get("__doc__") or "")]
            meaning = f"(no field doc yet; the argument of the same name of `{refs[0]}`)" if refs else ""
        rows.append(f"| `{prefix}{f.name}` | {_type_name(tp)} | {_md(_default_text(value))} | {_md(meaning) or '—'} |")


def _spec_reference() -> str:
    from simbias.experiments import KINDS, list_presets
    from simbias.io import load_toml_text

    by_kind: dict[str, list[str]] = {}
    for name, (path, _desc) in list_presets().items():
        kind = load_toml_text(path.read_text(encoding="utf-8"), str(path)).get("experiment")
        by_kind.setdefault(str(kind), []).append(name)
    out = []
    for kind in sorted(KINDS):
        exp = KINDS[kind]
        cls = exp.spec
        out.append(f"## `{kind}`\n")
        out.append(f"{_rst_to_md(exp.description)}\n")
        presets = by_kind.get(kind, [])
        import simbias.experiments as _exp

        where = "simbias.experiments" if getattr(_exp, cls.__name__, None) is cls else cls.__module__
        out.append(f"Spec class `{where}.{cls.__name__}`; "
                   + (f"presets: {', '.join(f'`{p}`' for p in presets)}." if presets else "no preset (write a TOML file)."))
        out.append("")
        rows: list[str] = []
        sections: list[tuple[str, str]] = []
        _spec_rows(cls, cls(), "", rows, sections)
        if sections:
            out.append("Sections: " + "; ".join(f"`{s}` — {d.rstrip('.')}" if d else f"`{s}`" for s, d in sections) + ".\n")
        out.append("| key | type | default | meaning |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(out)


def _preset_table() -> str:
    from simbias.experiments import list_presets
    from simbias.io import load_toml_text

    rows = []
    for name, (path, desc) in list_presets().items():
        kind = load_toml_text(path.read_text(encoding="utf-8"), str(path)).get("experiment")
        rows.append(f"| `{name}` | [`{kind}`](specs.md#{kind}) | {_md(desc)} |")
    return "| preset | kind | what it shows |\n|---|---|---|\n" + "\n".join(rows) + "\n"


# --------------------------------------------------------------------------------------------
# every simbias command on a page parses and its spec validates
# --------------------------------------------------------------------------------------------

_BLOCK = re.compile(r"^```(?:bash|sh|shell)[^\n]*\n(.*?)^```", re.S | re.M)


def _check_commands(markdown: str, where: str) -> None:
    from simbias.errors import InputError
    from simbias.experiments import resolve_spec
    from simbias.experiments._spec import split_grid_values

    parser = _parser()
    for block in _BLOCK.findall(markdown):
        for line in block.splitlines():
            line = line.strip()
            if not line.startswith("simbias "):
                continue
            try:
                argv = shlex.split(line, comments=True)[1:]
            except ValueError as exc:
                raise PluginError(f"{where}: cannot split {line!r}: {exc}") from None
            err = io.StringIO()
            try:
                with redirect_stderr(err), redirect_stdout(io.StringIO()):
                    args = parser.parse_args(argv)
            except SystemExit:
                raise PluginError(f"{where}: `{line}` does not parse: {err.getvalue().strip()}") from None
            name = getattr(args, "name", None)
            if args.command not in ("run", "sweep", "show-config") or name is None:
                continue
            if name.endswith(".toml") and not Path(name).exists():
                continue  # the user's own file (e.g. my_experiment.toml)
            overrides = list(getattr(args, "overrides", []))
            variants = [overrides]
            for spec_arg in list(getattr(args, "grid", [])) + list(getattr(args, "zips", [])):
                key, _, values = spec_arg.partition("=")
                if key == "seed":
                    continue
                variants += [overrides + [f"{key}={v}"] for v in split_grid_values(values)]
            for variant in variants:
                try:
                    resolve_spec(name, variant)
                except InputError as exc:
                    raise PluginError(f"{where}: `{line}` is refused by simbias: {exc}") from None
