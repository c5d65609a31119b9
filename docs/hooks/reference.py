"""MkDocs hook: the reference pages, generated from the code at build time (never written by hand).

``mkdocs.yml`` names this file under ``hooks:``. On every build, ``on_files`` adds four pages that
exist only in the built site:

- ``reference/cli.md`` from the ``syngrasp`` argument parser (``syngrasp.app.cli.build_parser``) and
  ``preview_scene.py``'s own parser (``syngrasp preview`` hands its arguments to it);
- ``reference/config.md`` from the config dataclass tree (``syngrasp.app.config.RunConfig``), each key
  with its default and the doc its dataclass declares (``syngrasp.app.config_show.documented``, the
  walk that ``syngrasp config show`` prints);
- ``reference/schema.md`` from the public declarations of ``syngrasp.core.schema`` (per-frame keys,
  per-episode meta keys, LeRobot ``meta/episodes`` columns, language columns);
- ``changelog.md`` from the repository's ``CHANGELOG.md`` (its ``docs/...`` links made site-relative).

Each page is one function returning Markdown (``cli_page``, ``config_page``, ``schema_page``), so the
same text can be produced without MkDocs (tests/test_docs.py does) and each can be re-pointed at
new declarations in one place.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import re
from typing import Any, Iterable

# ---------------------------------------------------------------------------------------- helpers


def _flat(text: Any) -> str:
    """``text`` on one line with pipes escaped, for a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _cell(text: Any) -> str:
    """``text`` as a table cell: outside its code spans, ``<name>`` must not reach the page as an HTML tag."""
    flat, out, pos = _flat(text), [], 0
    for m in _CODE_SPAN.finditer(flat):
        out.append(flat[pos:m.start()].replace("<", "&lt;").replace(">", "&gt;"))
        out.append(m.group(0))
        pos = m.end()
    out.append(flat[pos:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def _code(text: Any) -> str:
    """``text`` as an inline code span inside a table cell."""
    s = _flat(text)
    fence = "``" if "`" in s else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{s}{pad}{fence}" if s else ""


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    header = list(header)
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


GENERATED = ("*This page is generated from the code when the site is built ({source}); edit the code, "
             "not this page.*\n")

# ---------------------------------------------------------------------------------------- CLI


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """{name: (sub-parser, help)} of ``parser``'s sub-commands, in declaration order."""
    out = {}
    for action in parser._actions:  # argparse keeps its actions here; there is no public accessor
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                out[name] = (sub, helps.get(name, ""))
    return out


def _option_rows(parser: argparse.ArgumentParser) -> list[list[str]]:
    rows = []
    for a in parser._actions:
        if isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if a.option_strings:
            name = ", ".join(a.option_strings)
            if a.nargs != 0:
                name += " " + (a.metavar or a.dest.upper())
        else:
            name = a.metavar or a.dest
            if a.nargs in ("*", "+"):
                name += " ..."
        default = a.default
        if default is None or default is False or default == argparse.SUPPRESS or a.nargs in ("*", "+"):
            shown = ""
        elif a.dest == "workers" and default == (os.cpu_count() or 1):
            shown = "one per CPU core"
        else:
            shown = _code(default)
        extra = []
        if a.choices:
            extra.append("one of " + ", ".join(f"`{c}`" for c in a.choices))
        if a.required and a.option_strings:
            extra.append("required")
        text = (a.help or "").replace("%%", "%")
        if extra:
            text = (text + " (" + "; ".join(extra) + ")").strip()
        rows.append([_code(name), shown, _cell(text)])
    return rows


def _command_section(path: str, parser: argparse.ArgumentParser, help_text: str, level: int) -> list[str]:
    out = [f"{'#' * level} `{path}`", ""]
    if help_text:
        out += [_cell(help_text.replace("%%", "%")) + "", ""]
    usage = parser.format_usage().strip().removeprefix("usage: ")
    out += ["```text", usage, "```", ""]
    rows = _option_rows(parser)
    if rows:
        out += _table(["argument", "default", "meaning"], rows)
    for name, (sub, sub_help) in _subcommands(parser).items():
        out += _command_section(f"{path} {name}", sub, sub_help, min(level + 1, 4))
    return out


def _preview_help() -> str:
    """``syngrasp preview --help``: preview_scene.py builds its parser inside ``main``, so ask it."""
    from syngrasp import preview_scene

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
        preview_scene.main(["--help"])
    return buf.getvalue().replace("preview_scene.py", "syngrasp preview", 1).strip()


def cli_page() -> str:
    from syngrasp.app.cli import build_parser

    parser = build_parser()
    out = ["# Command-line reference", "",
           GENERATED.format(source="`syngrasp.app.cli.build_parser()`"),
           "Every command takes `-h`/`--help`. Exit codes: 0 success, 1 a failed check or run, 2 bad input "
           "(config, flags, files), 130 interrupted. Commands that take `key=value` overrides accept every key of "
           "the [configuration reference](config.md).", ""]
    for name, (sub, help_text) in _subcommands(parser).items():
        if name == "preview":
            out += [f"## `syngrasp preview`", "", _cell(help_text), "",
                    "`syngrasp preview ...` runs `preview_scene.py` with the same arguments:", "",
                    "```text", _preview_help(), "```", ""]
            continue
        out += _command_section(f"syngrasp {name}", sub, help_text, 2)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- config


def _sections(obj: Any, prefix: str = "") -> list[tuple[str, type]]:
    """(dotted prefix, dataclass type) of every nested config section of ``obj``, depth first."""
    out = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out.append((prefix + f.name, type(value)))
            out += _sections(value, prefix + f.name + ".")
    return out


def _declared_in(cls: type) -> str:
    mod = cls.__module__.removeprefix("syngrasp.").replace(".", "/") + ".py"
    return f"`{mod}` `{cls.__qualname__}`"


def config_rows() -> list[tuple[str, Any, str]]:
    """(dotted key, default value, doc) of every leaf of the run config, as ``syngrasp config show --defaults``."""
    from syngrasp.app.config import load_config
    from syngrasp.app.config_show import documented

    return documented(load_config(None, [], seed=0, episodes=0))


def config_page() -> str:
    import yaml

    from syngrasp.app.config import RunConfig, load_config

    cfg = load_config(None, [], seed=0, episodes=0)
    rows = config_rows()
    sections = _sections(cfg)
    out = ["# Configuration reference", "",
           GENERATED.format(source="the config dataclasses, walked by `syngrasp.app.config_show.documented`"),
           f"The run config has **{len(rows)} keys**. Set any of them in a YAML file passed with `--config` "
           "(only the keys you change), or as a `key=value` override on the command line; overrides win over "
           "the file, and `--seed`/`--episodes` fill `seed` and `episodes`. An unknown key, a wrong type or an "
           "out-of-range value exits with code 2 and names the key. `syngrasp config show [--config FILE] "
           "[key=value ...]` prints the same keys, resolved; `--defaults` prints the defaults shown here.", "",
           "Defaults marked `null` are resolved from other keys when the config is loaded (for example the "
           "realism switches follow `render.engine`); `config show` prints the resolved value.", ""]
    by_section: dict[str, list[tuple[str, Any, str]]] = {}
    leaf_sections = sorted((p for p, _ in sections), key=len, reverse=True)
    for key, value, doc in rows:
        owner = next((p for p in leaf_sections if key.startswith(p + ".")), "")
        by_section.setdefault(owner, []).append((key, value, doc))

    def value_text(v: Any) -> str:
        text = yaml.safe_dump(v, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()
        return _code(text)

    out += ["## Top level", "", f"Declared in {_declared_in(RunConfig)}.", ""]
    out += _table(["key", "default", "meaning"], [[_code(k), value_text(v), _cell(d)] for k, v, d in
                                                  by_section.get("", [])])
    for prefix, cls in sections:
        level = "#" * min(2 + prefix.count("."), 4)
        out += [f"{level} `{prefix}`", "", f"Declared in {_declared_in(cls)}.", ""]
        first = (cls.__doc__ or "").strip().split("\n\n", 1)[0]
        if first and not first.startswith(cls.__name__ + "("):
            out += [_cell(first), ""]
        mine = by_section.get(prefix, [])
        if mine:
            out += _table(["key", "default", "meaning"], [[_code(k), value_text(v), _cell(d)] for k, v, d in mine])
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- schema


class _Sym:
    """A symbolic dimension: shape functions of ``core.schema`` evaluated on names instead of numbers."""

    def __init__(self, text: str):
        self.text = text

    def __add__(self, other: Any) -> "_Sym":
        return _Sym(f"{self.text}+{other}")

    def __mul__(self, other: Any) -> "_Sym":
        return _Sym(f"{self.text}*{other}")

    __radd__ = __add__
    __rmul__ = __mul__

    def __str__(self) -> str:
        return self.text


class _SymDims:
    """Stands in for ``core.schema.Dims`` (the attributes shape functions read), with symbolic values."""

    n_arm = _Sym("n_arm")
    hw = (_Sym("H"), _Sym("W"))
    n_points = _Sym("N")


def _shape_text(shape: tuple) -> str:
    if not shape:
        return "()"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def frame_key_rows() -> list[list[str]]:
    """One row per declared per-frame key (``core.schema.FRAME_KEYS``)."""
    from syngrasp.core import schema

    rows = []
    for spec in schema.FRAME_KEYS:
        when = {"all": "every camera", "moving": "cameras that move"}.get(spec.per_camera, "")
        present = f"with `observations.{spec.option}`" if spec.option else "always"
        if when:
            present += f"; {when}"
        rows.append([_code(spec.pattern), _code(spec.dtype), _code(_shape_text(spec.shape(_SymDims()))),
                     _cell(spec.unit), _cell(spec.frame), _cell(spec.meaning), present])
    return rows


def meta_key_rows() -> list[list[str]]:
    """One row per declared per-episode meta key (``core.schema.META_KEYS``)."""
    from syngrasp.core import schema

    return [[_code(k), _cell(v)] for k, v in schema.META_KEYS.items()]


def episode_column_rows() -> list[list[str]]:
    """One row per declared column of LeRobot's ``meta/episodes`` (``core.schema.EPISODE_COLUMNS``)."""
    from syngrasp.core import schema

    rows = []
    for c in schema.EPISODE_COLUMNS:
        typ = f"list<{c.dtype}> ({c.length})" if c.length else c.dtype
        rows.append([_code(c.name), _code(c.meta_key), _code(typ), _cell(c.unit), _cell(c.meaning)])
    return rows


def schema_page() -> str:
    from syngrasp.core import schema

    out = ["# Episode schema reference", "",
           GENERATED.format(source="the declarations in `core/schema.py`"),
           f"Schema version **{schema.SCHEMA_VERSION}**. `core/schema.py` is the single declaration of every "
           "per-frame and per-episode key; the HDF5 attributes, LeRobot's `info.json` features, the dataset card "
           "and `syngrasp validate`'s checks are generated from it. See [HDF5](../formats/hdf5.md) and "
           "[LeRobot](../formats/lerobot.md) for where each key is stored.", "",
           "## Per-frame keys", "",
           "Shapes are per frame; a stored array is `(T, *shape)`. `n_arm` is the robot's arm joint count "
           "(7 on the Panda, 6 on the xArm6), `(H, W)` a camera's image size, `N` the point count of "
           "`observations.point_cloud`; `{cam}` stands for a camera name (`front`, `side`, `wrist`).", ""]
    out += _table(["key", "dtype", "shape", "unit", "frame", "meaning", "present"], frame_key_rows())
    written = ", ".join(f"`{mode}` writes `{key}` as `action`" for mode, key in schema.ACTION_SOURCE.items())
    out += ["### Action definitions", "",
            f"`writer.action` picks which action key is written as `action`: {written}; the other one is written "
            "as `action.<definition>`.", ""]
    out += ["## Per-episode meta keys", "",
            "Every episode carries these (HDF5: attributes of `data/demo_<i>`; LeRobot: the side table "
            "`meta/syngrasp/episodes` and, for the columns below, `meta/episodes`).", ""]
    out += _table(["key", "meaning"], meta_key_rows())
    out += ["## LeRobot `meta/episodes` columns", "",
            "Typed per-episode columns that finalize writes into LeRobot's `meta/episodes` (declared in "
            "`EPISODE_COLUMNS`).", ""]
    out += _table(["column", "meta key", "type", "unit", "meaning"], episode_column_rows())
    out += ["## LeRobot language columns", "",
            "Two per-frame columns of LeRobot's `data/` files, declared in `info.json` as "
            '`{"dtype": "language", "shape": [1]}`.', ""]
    out += _table(["column", "what syngrasp writes"], [[_code(k), _cell(v)] for k, v in schema.LANGUAGE_KEYS.items()])
    out += ["Fields of one `language_persistent` row (Arrow types, LeRobot's order); `language_events` rows have "
            "the same fields without `timestamp`:", ""]
    out += _table(["field", "type", "nullable"],
                  [[_code(n), _code(t), "yes" if null else "no"] for n, t, null in schema.PERSISTENT_ROW_FIELDS])
    out += [f"Persistent styles: {', '.join(f'`{s}`' for s in schema.PERSISTENT_STYLES)}.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- MkDocs hooks

PAGES = {"reference/cli.md": cli_page, "reference/config.md": config_page, "reference/schema.md": schema_page}


def on_files(files, config):
    """Add the generated pages (and the changelog) to the site's files before the nav is built."""
    from mkdocs.structure.files import File

    for uri, make in PAGES.items():
        files.append(File.generated(config, uri, content=make()))
    changelog = os.path.join(os.path.dirname(config.config_file_path), "CHANGELOG.md")
    with open(changelog, encoding="utf-8") as f:
        text = f.read()
    # CHANGELOG.md sits at the repository root and links to docs/<page>.md; in the site it is a page of docs/.
    text = text.replace("](docs/", "](")
    files.append(File.generated(config, "changelog.md", content=text))
    return files
