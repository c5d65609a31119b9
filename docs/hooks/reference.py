"""MkDocs hook: the reference pages, generated from the code at build time (never written by hand).

``mkdocs.yml`` names this file under ``hooks:``. On every build, ``on_files`` adds pages that exist
only in the built site (``PAGES``):

- ``reference/cli.md`` from the ``syngrasp`` argument parser (``syngrasp.app.cli.build_parser``, which
  assembles the command groups of ``app/commands/``; each command names its module) and
  ``preview_scene.py``'s own parser (``syngrasp preview`` hands its arguments to it);
- ``reference/config.md`` from the config dataclass tree (``syngrasp.app.config.RunConfig``), each key
  with its default and the doc its dataclass declares (``syngrasp.app.config_show.documented``, the
  walk that ``syngrasp config show`` prints);
- ``reference/schema.md`` from the typed declarations of the ``syngrasp.core.schema`` package
  (``FRAME_KEYS``, ``STORAGE``, ``META``, ``CAMERA_KEYS``, the LeRobot columns) and ``core.phases``;
- ``reference/layout.md`` from ``core/layout.py``'s docstring and public names (the run folder);
- ``reference/formats.md`` from the format registry (``exporters.formats.BUILTINS``, each ``Format``'s
  doc) and the simulator backend registry (``generators.backend``);
- ``changelog.md`` from the repository's ``CHANGELOG.md`` (its ``docs/...`` links made site-relative).

Each page is one function returning Markdown (``cli_page``, ``config_page``, ``schema_page``,
``layout_page``, ``formats_page``), so the same text can be produced without MkDocs
(tests/test_docs.py does). No key name is spelled here: every name, type, unit and meaning is read
from the declarations (tests/test_docs.py checks the file with tests/test_schema_literals.py's walk).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import re
import sys
from typing import Any, Iterable

# ---------------------------------------------------------------------------------------- helpers


def _flat(text: Any) -> str:
    """``text`` on one line."""
    return " ".join(str(text).split())


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _plain(text: str) -> str:
    """Text outside code spans in a table cell: pipes escaped, ``<name>`` not an HTML tag."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: Any) -> str:
    """``text`` as a table cell. Outside its code spans, pipes are escaped and ``<name>`` must not reach the
    page as an HTML tag; code spans stay as they are (Python-Markdown's tables keep a code span's pipes)."""
    flat, out, pos = _flat(text), [], 0
    for m in _CODE_SPAN.finditer(flat):
        out.append(_plain(flat[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_plain(flat[pos:]))
    return "".join(out)


def _code(text: Any) -> str:
    """``text`` as an inline code span inside a table cell (Python-Markdown's tables keep a code span's pipes)."""
    s = _flat(text)
    fence = "``" if "`" in s else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{s}{pad}{fence}" if s else ""


def _module_file(module: Any) -> str:
    """``core/schema/frames.py`` for the module ``syngrasp.core.schema.frames`` (a package: its folder)."""
    path = module.__name__.removeprefix("syngrasp.").replace(".", "/")
    return path + "/" if os.path.basename(module.__file__) == "__init__.py" else path + ".py"


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


def _command_modules() -> dict[str, str]:
    """{command: the ``app/commands/`` module that declares it}, from ``syngrasp.app.cli.COMMAND_GROUPS``."""
    from syngrasp.app.cli import COMMAND_GROUPS

    out = {}
    for group in COMMAND_GROUPS:
        sub = argparse.ArgumentParser().add_subparsers()
        group.add_parsers(sub)
        out.update({name: _module_file(group) for name in sub.choices})
    return out


def _command_section(path: str, parser: argparse.ArgumentParser, help_text: str, level: int,
                     declared: str = "") -> list[str]:
    out = [f"{'#' * level} `{path}`", ""]
    if declared:
        out += [f"Declared in `{declared}`.", ""]
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
    modules = _command_modules()
    out = ["# Command-line reference", "",
           GENERATED.format(source="`syngrasp.app.cli.build_parser()`, which assembles the command groups of "
                                   "`app/commands/`"),
           "Every command takes `-h`/`--help`. Exit codes: 0 success, 1 a failed check or run, 2 bad input "
           "(config, flags, files), 130 interrupted. Commands that take `key=value` overrides accept every key of "
           "the [configuration reference](config.md).", ""]
    for name, (sub, help_text) in _subcommands(parser).items():
        if name == "preview":
            out += [f"## `syngrasp preview`", "", f"Declared in `{modules[name]}`.", "", _cell(help_text), "",
                    "`syngrasp preview ...` runs `preview_scene.py` with the same arguments:", "",
                    "```text", _preview_help(), "```", ""]
            continue
        out += _command_section(f"syngrasp {name}", sub, help_text, 2, modules.get(name, ""))
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
# Every key name, type, unit and meaning below comes from the declarations of ``syngrasp.core.schema``
# and ``syngrasp.core.phases``; this file spells no key name (tests/test_docs.py checks that).


def _option_key(option: str) -> str:
    """The run-config key of an observation option (``point_cloud`` -> ``observations.point_cloud``)."""
    keys = [k for k, _, _ in config_rows() if k.rsplit(".", 1)[-1] == option]
    return keys[0] if len(keys) == 1 else option


def _presence(spec: Any) -> str:
    """When a frame key is present: always, with its option, and for which cameras."""
    present = f"with `{_option_key(spec.option)}`" if spec.option else "always"
    when = {"all": "every camera", "moving": "cameras that move"}.get(spec.per_camera, "")
    return f"{present}; {when}" if when else present


def frame_key_rows() -> list[list[str]]:
    """One row per declared per-frame key (``core.schema.FRAME_KEYS``): name, dtype, shape text, unit, frame,
    storage kind, meaning, presence."""
    from syngrasp.core import schema

    return [[_code(s.name), _code(s.dtype), _code(s.shape_text), _cell(s.unit), _cell(s.frame), _code(s.storage),
             _cell(s.meaning), _presence(s)] for s in schema.FRAME_KEYS]


def storage_rows() -> list[list[str]]:
    """One row per storage kind (``core.schema.STORAGE``)."""
    from syngrasp.core import schema

    return [[_code(kind), _cell(text)] for kind, text in schema.STORAGE.items()]


def _required(m: Any) -> str:
    if m.required:
        return "yes"
    return f"with `{_option_key(m.option)}`" if m.option else "no"


def meta_key_rows() -> list[list[str]]:
    """One row per declared per-episode meta key (``core.schema.META``): name, type, unit, required, where
    written, meaning."""
    from syngrasp.core import schema

    return [[_code(m.name), _cell(m.type_name), _cell(m.unit), _required(m), "<br>".join(_cell(w) for w in m.where),
             _cell(m.meaning)] for m in schema.META]


def episode_column_rows() -> list[list[str]]:
    """One row per declared column of LeRobot's ``meta/episodes`` (``core.schema.EPISODE_COLUMNS``)."""
    from syngrasp.core import schema

    rows = []
    for c in schema.EPISODE_COLUMNS:
        typ = f"list<{c.dtype}> ({c.length})" if c.length else c.dtype
        rows.append([_code(c.name), _code(c.meta_key), _code(typ), _cell(c.unit), _cell(c.meaning)])
    return rows


def camera_key_rows() -> list[list[str]]:
    """One row per declared camera calibration entry (``core.schema.CAMERA_KEYS``)."""
    from syngrasp.core import schema

    return [[_code(k.name), _code(f"float64 {k.shape}"), _cell(k.unit), _cell(k.frame), _code(k.side),
             _cell(k.meaning)] for k in schema.CAMERA_KEYS]


def phase_rows() -> list[list[str]]:
    """One row per phase (``core.phases.Phase``): index, recorded name, meaning."""
    from syngrasp.core.phases import PHASES

    return [[str(int(p)), _code(p.label), _cell(p.meaning)] for p in PHASES]


def _camera_names() -> str:
    """The default config's camera names, as code spans."""
    from syngrasp.app.config import load_config
    from syngrasp.randomization.config import CameraConfig

    cfg = load_config(None, [], seed=0, episodes=0)
    found: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, CameraConfig):
            found.append(obj.name)
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                walk(getattr(obj, f.name))
        elif isinstance(obj, (list, tuple)):
            for x in obj:
                walk(x)

    walk(cfg)
    return ", ".join(f"`{n}`" for n in found)


def schema_page() -> str:
    from syngrasp.core import phases, schema
    from syngrasp.core.schema import frames, language, meta

    package = _module_file(schema)
    frames_at, meta_at = f"`{_module_file(frames)}`", f"`{_module_file(meta)}`"
    symbolic = [s for s in schema.FRAME_KEYS if s.per_camera]
    cam_field = symbolic[0].name[len(symbolic[0].prefix):] if symbolic else ""
    out = ["# Episode schema reference", "",
           GENERATED.format(source=f"the declarations of `{package}` and `{_module_file(phases)}`"),
           f"Schema version **{schema.SCHEMA_VERSION}**. `{package}` is the single declaration of every per-frame "
           f"and per-episode key: `FRAME_KEYS` in {frames_at}, `META` and `CAMERA_KEYS` in {meta_at}, the phases in "
           f"`{_module_file(phases)}`. The HDF5 attributes, LeRobot's `info.json` features and `meta/episodes` "
           "columns, the side table, the dataset card, `syngrasp validate`'s checks and this page are generated "
           "from them; every writer checks each episode against them before writing. See "
           "[HDF5](../formats/hdf5.md) and [LeRobot](../formats/lerobot.md) for where each key is stored, and "
           "[Adding a key](#adding-a-key) below.", "",
           "## Per-frame keys", "",
           f"Declared in {frames_at} `FRAME_KEYS`. Shapes are per frame; a stored array is `(T, *shape)`. `n_arm` "
           "is the robot's arm joint count (7 on the Panda, 6 on the xArm6), `(H, W)` a camera's image size, `N` the "
           f"point count of `{_option_key(frames.spec(frames.POINT_CLOUD).option)}`; `{cam_field}` stands for a camera name (the default "
           f"config's cameras are {_camera_names()}; `{_option_key('wrist_camera')}` adds the robot's wrist camera).",
           ""]
    out += _table(["key", "dtype", "shape", "unit", "frame", "storage", "meaning", "present"], frame_key_rows())
    sources = schema.ACTION_SOURCE
    written = ", ".join(f"`{mode}` writes `{key}` as `{schema.ACTION}`" for mode, key in sources.items())
    out += ["### Action definitions", "",
            f"`writer.action` picks which action key is written as `{schema.ACTION}`: {written}; the other one is "
            f"written as `{schema.ACTION}.<definition>`.", ""]
    out += _table(["definition", "key", "meaning"],
                  [[_code(d), _code(sources[d]), _cell(text)] for d, text in frames.action_definitions().items()])
    out += ["### Storage kinds", "",
            "Each frame key's storage kind (`STORAGE`) is what the writers branch on:", ""]
    out += _table(["kind", "how it is stored"], storage_rows())
    out += ["## Per-episode meta keys", "",
            f"Declared in {meta_at} `META`. Every episode carries the required ones; \"where written\" is where "
            "each writer puts the key (HDF5: the demo group `data/demo_<i>`; LeRobot: the `meta/episodes` "
            "columns, the side table and the language rows).", ""]
    out += _table(["key", "type", "unit", "required", "where written", "meaning"], meta_key_rows())
    out += ["## Camera calibration", "",
            f"Declared in {meta_at} `CAMERA_KEYS`: the entries every camera of an episode has (`Episode.cameras"
            f"[cam]`), float64 arrays; the side-table column names them per camera.", ""]
    out += _table(["entry", "type", "unit", "frame", "side-table column", "meaning"], camera_key_rows())
    out += ["## Phases", "",
            f"Declared in `{_module_file(phases)}` (`Phase`): what the values of `{frames.PHASE}` mean; every "
            f"episode's `{meta.PHASE_NAMES_KEY}` stores the names in index order.", ""]
    out += _table(["index", "name", "what happens"], phase_rows())
    out += ["## LeRobot `meta/episodes` columns", "",
            "Typed per-episode columns that finalize writes into LeRobot's `meta/episodes`, generated from the "
            f"meta keys that declare a `column` (`EPISODE_COLUMNS`).", ""]
    out += _table(["column", "meta key", "type", "unit", "meaning"], episode_column_rows())
    out += ["## LeRobot language columns", "",
            f"Two per-frame columns of LeRobot's `data/` files, declared in `{_module_file(language)}` and in "
            '`info.json` as `{"dtype": "language", "shape": [1]}`.', ""]
    out += _table(["column", "what syngrasp writes"], [[_code(k), _cell(v)] for k, v in schema.LANGUAGE_KEYS.items()])
    out += [f"Fields of one `{schema.LANGUAGE_PERSISTENT}` row (Arrow types, LeRobot's order); "
            f"`{schema.LANGUAGE_EVENTS}` rows have the fields {', '.join(f'`{f[0]}`' for f in schema.EVENT_ROW_FIELDS)}:",
            ""]
    out += _table(["field", "type", "nullable"],
                  [[_code(n), _code(t), "yes" if null else "no"] for n, t, null in schema.PERSISTENT_ROW_FIELDS])
    out += [f"Persistent styles: {', '.join(f'`{s}`' for s in schema.PERSISTENT_STYLES)}.", ""]
    out += ["## Adding a key", "",
            f"Declare it once: a `KeySpec` in {frames_at} `FRAME_KEYS` (per frame) or a `MetaKey` in {meta_at} `META` "
            "(per episode), with its type, shape, unit, frame and meaning, and a name constant beside the others. "
            "That one declaration reaches the HDF5 writer and readers, LeRobot's features, columns and side table, "
            "`syngrasp validate`, the dataset card and this page; code elsewhere uses the constant, never the "
            "string (tests/test_schema_literals.py). Then make the generator fill the key; every writer refuses an "
            "episode that lacks a required key.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- run folder


def _first_line(obj: Any) -> str:
    return " ".join((obj.__doc__ or "").strip().split("\n\n", 1)[0].split())


def _docstring_tree(module: Any) -> list[str]:
    """The literal block (after ``::``) of ``module``'s docstring, dedented."""
    import textwrap

    doc = module.__doc__ or ""
    if "::" not in doc:
        return []
    block = doc.split("::", 1)[1].split("\n\n")
    lines: list[str] = []
    for para in block[1:] if not block[0].strip() else block:
        if para and not para[0].isspace():
            break
        lines.append(para)
    return textwrap.dedent("\n\n".join(lines)).strip("\n").splitlines()


def layout_page() -> str:
    import inspect

    from syngrasp.core import layout

    where = _module_file(layout)
    public = [n for n in vars(layout) if not n.startswith("_")
              and getattr(vars(layout)[n], "__module__", layout.__name__) == layout.__name__]
    consts = [(n, v) for n, v in vars(layout).items() if n in public and n.isupper()
              and isinstance(v, (str, int, tuple))]
    funcs = [(n, v) for n, v in vars(layout).items() if n in public and inspect.isfunction(v)]
    out = ["# Run folder layout", "",
           GENERATED.format(source=f"`{where}`"),
           f"{_cell(_first_line(layout))} Readers and writers ask `{where}` for a name, a glob or a pattern; "
           "a format's own files sit beside these (see [Formats and backends](formats.md)).", ""]
    tree = _docstring_tree(layout)
    if tree:
        out += ["```text", *tree, "```", ""]
    out += ["## Names", ""]
    out += _table(["name", "value"], [[_code(n), _code(repr(v))] for n, v in consts])
    out += ["## Functions", ""]
    out += _table(["function", "what it returns"],
                  [[_code(f"{n}{inspect.signature(f, eval_str=True)}"), _cell(_first_line(f))] for n, f in funcs])
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- formats and backends


def format_rows() -> list[list[str]]:
    """One row per built-in output format (``exporters.formats.BUILTINS``): name, doc, writer, reader, config
    section, finalize hook."""
    from syngrasp.exporters import formats

    rows = []
    for name in formats.BUILTINS:
        f = formats.get_format(name)
        writer = f"`{_module_file(sys.modules[f.writer.__module__])}` `{f.writer.__name__}`"
        rows.append([_code(f.name), _cell(f.doc), _cell(writer), "yes" if f.reader else "no",
                     _code(f.config.__name__) if f.config else "", "yes" if f.finalize else "no"])
    return rows


def formats_page() -> str:
    from syngrasp.exporters import formats
    from syngrasp.generators import backend

    where = _module_file(formats)
    aliases = ", ".join(f"`{a}` = {' + '.join(f'`{n}`' for n in names)}" for a, names in formats.ALIASES.items())
    out = ["# Formats and backends", "",
           GENERATED.format(source=f"the registries of `{where}` and `{_module_file(backend)}`"),
           "## Output formats", "",
           f"`writer.format` names one format, an alias ({aliases}) or several, comma-separated. Built-in formats "
           f"live in `{where}<name>/`; third-party formats are installed packages that declare a `Format` under "
           f"the entry-point group `{formats.ENTRY_POINT_GROUP}` (see [Adding a format]"
           "(../formats/index.md#adding-a-format)). The built-in formats:", ""]
    out += _table(["format", "what it writes", "writer", "reader", "config section", "finalize"], format_rows())
    out += ["## Simulator backends", "",
            f"`rollout.backend` names the simulation backend (registered with `register_backend` in "
            f"`{_module_file(backend)}`): {', '.join(f'`{b}`' for b in backend.backends())}. Cross-check engines "
            f"(`rollout.crosscheck`, `register_check_backend`): "
            f"{', '.join(f'`{b}`' for b in backend.check_backends())}.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- MkDocs hooks

PAGES = {"reference/cli.md": cli_page, "reference/config.md": config_page, "reference/schema.md": schema_page,
         "reference/layout.md": layout_page, "reference/formats.md": formats_page}


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
