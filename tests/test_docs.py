"""The documentation shows only commands and config keys that exist.

Every ``syngrasp ...`` command (and ``python preview_scene.py ...``, and ``app/submit.py -- ARGS``, which runs
``syngrasp generate``) in a shell code block of README.md or docs/**/*.md goes through the real parser,
``syngrasp.app.cli.build_parser().parse_args`` (``preview`` through ``preview_scene.main``'s own parser), and its
``key=value`` overrides through the command's own config loader (``load_config``; ``load_check_config`` for
``crosscheck``). Inline code that starts with ``syngrasp `` must name existing commands and options, and inline
``key=value`` overrides must load. ``yaml`` code blocks are run configs and must load with ``--config``.

Placeholders: argparse takes DIR, NAME, FILE as plain strings. An override whose value is a placeholder (``<...>``,
or one of the words in PLACEHOLDERS, e.g. ``rollout.robot=NAME``, ``scene.textures.folder=DIR``) or names a robot the
docs add with ``syngrasp robots add`` has its key checked (it must be a config key) but not its value; the test
prints how many. A value listing alternatives (``render.filament_device=auto|cpu|gpu``) loads each alternative.

Also: the reference pages that docs/hooks/reference.py generates cover every command, key and schema declaration,
and ``mkdocs build --strict`` succeeds (skipped where mkdocs is not installed; .ci/run installs the docs extra and
runs the build too).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from syngrasp.app.cli import build_parser
from syngrasp.app.config import load_check_config, load_config
from syngrasp.app.config_show import documented
from syngrasp.core.errors import SyngraspError

REPO = Path(__file__).resolve().parents[1]
DOC_FILES = [REPO / "README.md", *sorted(p for p in (REPO / "docs").rglob("*.md"))]
SHELL_LANGS = {"", "bash", "sh", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
INLINE = re.compile(r"(?<!`)`(?!`)([^`\n]+(?:\n[^`\n]+)?)`(?!`)")
OVERRIDE = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)=(.*)$", re.S)
PLACEHOLDERS = {"DIR", "NAME", "FILE", "PATH", "BUCKET", "URL", "N"}
SEPARATORS = {"&&", "||", ";", "|", "&"}


@dataclasses.dataclass(frozen=True)
class Shown:
    """One thing the docs show: ``kind`` is "command" (argv after ``syngrasp``), "inline" (an inline
    ``syngrasp ...`` mention), "overrides" (key=value tokens shown together) or "yaml" (a config file)."""

    where: str
    kind: str
    items: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.where}: {' '.join(self.items)[:90]}"


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _logical_lines(body: str, first_line: int):
    """(line number, text) of each shell line, backslash continuations joined."""
    buf, start = "", first_line
    for n, line in enumerate(body.split("\n"), first_line):
        if not buf:
            start = n
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        yield start, buf + line
        buf = ""


def _segments(tokens: list[str]):
    seg: list[str] = []
    for t in tokens:
        if t in SEPARATORS:
            if seg:
                yield seg
            seg = []
        else:
            seg.append(t)
    if seg:
        yield seg


def _scan_tokens(tokens: list[str], where: str, out: list[Shown]) -> None:
    for seg in _segments(tokens):
        for t in seg:  # a quoted command inside a command (ray job submit -- '... submit.py ...')
            if " " in t:
                try:
                    _scan_tokens(shlex.split(t, comments=True), where, out)
                except ValueError:
                    pass
        while seg and re.match(r"^[A-Z_][A-Z0-9_]*=", seg[0]):  # leading VAR=value assignments
            seg = seg[1:]
        if not seg:
            continue
        head = seg[0]
        if head == "syngrasp" or head.endswith("/syngrasp"):
            out.append(Shown(where, "command", tuple(seg[1:])))
            continue
        names = [Path(t).name for t in seg]
        if "preview_scene.py" in names[:2]:
            out.append(Shown(where, "command", ("preview", *seg[names.index("preview_scene.py") + 1:])))
            continue
        if "submit.py" in names:
            rest = seg[names.index("submit.py") + 1:]
            rest = rest[1:] if rest[:1] == ["--"] else rest
            out.append(Shown(where, "command", ("generate", "--address", "auto", *rest)))
            continue
        ovs = tuple(t for t in seg if OVERRIDE.match(t))
        if ovs:
            out.append(Shown(where, "overrides", ovs))


def collect(paths=DOC_FILES, root: Path = REPO) -> list[Shown]:
    """Everything ``paths`` show, each with ``file:line`` relative to ``root``."""
    out: list[Shown] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        for m in FENCE.finditer(text):
            lang = m.group("lang").lower()
            first = _line_of(text, m.start("body"))
            if lang == "yaml":
                out.append(Shown(f"{rel}:{first}", "yaml", (m.group("body"),)))
            elif lang in SHELL_LANGS:
                for n, line in _logical_lines(m.group("body"), first):
                    _scan_tokens(shlex.split(line, comments=True), f"{rel}:{n}", out)
        prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for m in INLINE.finditer(prose):
            span = " ".join(m.group(1).split())
            where = f"{rel}:{_line_of(prose, m.start())}"
            if span.startswith("syngrasp "):
                out.append(Shown(where, "inline", tuple(span.split()[1:])))
            elif span.startswith("python preview_scene.py "):
                out.append(Shown(where, "inline", ("preview", *span.split()[2:])))
            else:
                ovs = tuple(t for t in span.split() if OVERRIDE.match(t))
                if ovs:
                    out.append(Shown(where, "overrides", ovs))
    return out


SHOWN = collect()


def _parse_strict(argv: list[str]) -> argparse.Namespace:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            return build_parser().parse_args(argv)
        except SystemExit:
            raise AssertionError(f"syngrasp {' '.join(argv)}: {err.getvalue().strip()}") from None


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _check_inline(argv: list[str]) -> None:
    """An inline mention: the command words must exist and every ``--flag`` must be one of that command's."""
    parser, path = build_parser(), ["syngrasp"]
    words = list(argv)
    while words and words[0] in _subcommands(parser):
        parser = _subcommands(parser)[words[0]]
        path.append(words.pop(0))
    assert len(path) > 1, f"`syngrasp {' '.join(argv)}`: '{argv[0] if argv else ''}' is not a syngrasp command"
    flags = {s for a in parser._actions for s in a.option_strings}
    for w in words:
        if w.startswith("--"):
            flag = w.split("=", 1)[0]
            assert flag in flags, f"`{' '.join(path)}` has no option {flag} (it has {sorted(flags)})"


def _run_preview(argv: list[str]) -> list[str]:
    """``syngrasp preview ARGS`` through preview_scene.main's own parser, rendering nothing; returns its overrides."""
    from syngrasp import preview_scene
    from syngrasp.app import config as config_module

    seen: list[str] = []

    class Sheet:
        def save(self, path):
            pass

    def fake_load(path, overrides=(), **fixed):
        seen.extend(overrides)
        return object()

    err = io.StringIO()
    saved = (config_module.load_config, preview_scene.render_sheet, preview_scene.render_grid, preview_scene.interactive)
    config_module.load_config = fake_load
    preview_scene.render_sheet = preview_scene.render_grid = lambda *a, **k: Sheet()
    preview_scene.interactive = lambda *a, **k: None
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = preview_scene.main(list(argv))
    except SystemExit:
        raise AssertionError(f"syngrasp preview {' '.join(argv)}: {err.getvalue().strip()}") from None
    finally:
        (config_module.load_config, preview_scene.render_sheet, preview_scene.render_grid,
         preview_scene.interactive) = saved
    assert rc == 0, f"syngrasp preview {' '.join(argv)}: exit {rc}: {err.getvalue().strip()}"
    return seen


def _added_robots() -> set[str]:
    names = set()
    for s in SHOWN:
        if s.kind == "command" and s.items[:2] == ("robots", "add"):
            with contextlib.suppress(AssertionError):  # a broken one fails its own test below
                names.add(_parse_strict(list(s.items)).name)
    return names


ADDED_ROBOTS = _added_robots()
CONFIG_KEYS = {k for k, _, _ in documented(load_config(None, [], seed=0, episodes=0))}
SKIPPED: list[str] = []  # overrides whose value is a placeholder: key checked, value not


def _is_placeholder(key: str, value: str) -> bool:
    if "<" in value and ">" in value:
        return True
    if any(w in PLACEHOLDERS for w in re.findall(r"[A-Za-z]+", value)):
        return True
    return key == "rollout.robot" and value in ADDED_ROBOTS


def _known_key(key: str) -> bool:
    return key in CONFIG_KEYS or any(k.startswith(key + ".") for k in CONFIG_KEYS)


def check_overrides(overrides, loader=None) -> None:
    """Load ``overrides`` together with the command's loader; placeholder values only have their key checked."""
    loader = loader or (lambda ovs: load_config(None, ovs, seed=0, episodes=1))
    concrete, alternatives = [], []
    for item in overrides:
        key, value = OVERRIDE.match(item).groups()
        assert _known_key(key), f"'{item}': {key} is not a config key (syngrasp config show lists them)"
        if _is_placeholder(key, value):
            SKIPPED.append(item)
        elif "|" in value and not value.startswith(("[", "{")):
            alternatives += [f"{key}={v}" for v in value.split("|")]
        else:
            concrete.append(item)
    try:
        loader(concrete)
        for alt in alternatives:
            loader([*concrete, alt])
    except SyngraspError as e:
        raise AssertionError(f"{' '.join(overrides)}: {e}") from None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A folder with a default run's config.yaml, for commands that read a run's saved config."""
    d = tmp_path_factory.mktemp("run")
    (d / "config.yaml").write_text(yaml.safe_dump(load_config(None, [], seed=0, episodes=1).data_dict(),
                                                  sort_keys=True))
    return d


def _ids(kind):
    return [pytest.param(s, id=str(s)) for s in SHOWN if s.kind == kind]


@pytest.mark.parametrize("shown", _ids("command"))
def test_shown_command_parses_and_its_overrides_load(shown, run_dir):
    argv = list(shown.items)
    if argv[:1] == ["preview"]:
        check_overrides(_run_preview(argv[1:]))
        return
    ns = _parse_strict(argv)
    overrides = list(getattr(ns, "overrides", None) or [])
    if ns.command == "crosscheck":
        check_overrides(overrides, lambda ovs: load_check_config(str(run_dir), ovs))
    else:
        check_overrides(overrides)


@pytest.mark.parametrize("shown", _ids("inline"))
def test_inline_command_names_real_commands_and_options(shown):
    if shown.items[:1] == ("preview",):
        check_overrides(_run_preview([t for t in shown.items[1:] if not t.startswith("[")]))
    else:
        _check_inline(list(shown.items))


@pytest.mark.parametrize("shown", _ids("overrides"))
def test_shown_overrides_load(shown):
    check_overrides(shown.items)


@pytest.mark.parametrize("shown", _ids("yaml"))
def test_yaml_blocks_are_loadable_configs(shown, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(shown.items[0])
    try:
        load_config(str(path), [], seed=0, episodes=1)
    except SyngraspError as e:
        raise AssertionError(f"{shown.where}: {e}") from None


def test_the_docs_show_what_the_checks_rely_on(capsys):
    """The extractor finds the quick start, commands of every kind and many overrides (not silently nothing)."""
    commands = [s for s in SHOWN if s.kind == "command"]
    assert any(s.where.startswith("README.md") and s.items[:1] == ("generate",) for s in commands)
    assert {s.items[0] for s in commands} >= {"generate", "validate", "stats", "convert", "robots", "assets",
                                              "crosscheck", "report", "export-usd", "export", "evaluate", "preview",
                                              "replay", "config"}
    n_overrides = sum(len(s.items) for s in SHOWN if s.kind == "overrides") + sum(
        1 for s in commands for t in s.items if OVERRIDE.match(t))
    assert len(commands) >= 40 and n_overrides >= 40, (len(commands), n_overrides)
    assert any(s.kind == "yaml" for s in SHOWN)
    with capsys.disabled():
        print(f"\ndocs: {len(commands)} commands, {sum(s.kind == 'inline' for s in SHOWN)} inline mentions, "
              f"{n_overrides} overrides, {sum(s.kind == 'yaml' for s in SHOWN)} config files checked")


def test_placeholders_are_few_and_counted(capsys):
    """Placeholder overrides only have their key checked; they stay the exception."""
    SKIPPED.clear()
    for s in SHOWN:
        if s.kind == "overrides":
            with contextlib.suppress(AssertionError):
                check_overrides(s.items)
    with capsys.disabled():
        print(f"\ndocs: {len(SKIPPED)} overrides with a placeholder value (key checked only): {sorted(set(SKIPPED))}")
    assert len(SKIPPED) <= 20


@pytest.mark.parametrize("snippet, needle", [
    ("```bash\nsyngrasp generate --outdir /tmp/x --episodes 2\n```\n", "--outdir"),
    ("```bash\nsyngrasp generat --out /tmp/x\n```\n", "generat"),
    ("```bash\nsyngrasp generate --out /tmp/x grasp.top_kk=4\n```\n", "grasp.top_kk"),
    ("```bash\nsyngrasp generate --out /tmp/x writer.format=parquet\n```\n", "writer.format"),
    ("```bash\nsyngrasp preview --seed 0 --indx 5\n```\n", "--indx"),
    ("```bash\nsyngrasp crosscheck /tmp/ds grasp.top_k=4\n```\n", "rollout.pybullet"),
    ("Set `render.presett=balanced` here.\n", "render.presett"),
    ("Set `rollout.robot=<name>` or `rollout.robots=<name>`.\n", "rollout.robots"),
    ("Run `syngrasp robots check NAME --skip-runs`.\n", "--skip-runs"),
    ("```yaml\ngrasp:\n  top_kk: 4\n```\n", "top_kk"),
])
def test_a_renamed_command_option_or_key_fails(snippet, needle, tmp_path, run_dir):
    doc = tmp_path / "page.md"
    doc.write_text(snippet)
    shown = collect([doc], root=tmp_path)
    assert shown, snippet
    with pytest.raises(AssertionError, match=re.escape(needle)):
        for s in shown:
            {"command": lambda: test_shown_command_parses_and_its_overrides_load(s, run_dir),
             "inline": lambda: test_inline_command_names_real_commands_and_options(s),
             "overrides": lambda: test_shown_overrides_load(s),
             "yaml": lambda: test_yaml_blocks_are_loadable_configs(s, tmp_path)}[s.kind]()


# ---- the generated reference pages ---------------------------------------------------------------------------


def _reference_module():
    spec = importlib.util.spec_from_file_location("syngrasp_docs_reference", REPO / "docs" / "hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _command_paths(parser, prefix=("syngrasp",)):
    for name, sub in _subcommands(parser).items():
        yield (*prefix, name)
        yield from _command_paths(sub, (*prefix, name))


def test_cli_reference_lists_every_command_and_option():
    page = _reference_module().cli_page()
    for path in _command_paths(build_parser()):
        assert f"`{' '.join(path)}`" in page, path
    for sub in _subcommands(build_parser()).values():
        for a in sub._actions:
            for flag in a.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in page, flag
    assert "--grid" in page and "--interactive" in page  # preview's own parser


def test_config_reference_lists_every_key_with_its_doc():
    ref = _reference_module()
    page = ref.config_page()
    rows = documented(load_config(None, [], seed=0, episodes=0))
    for key, _, doc in rows:
        assert f"| `{key}` |" in page, key
        if doc:
            assert f"| {ref._cell(doc)} |" in page, key
    assert f"**{len(rows)} keys**" in page


def test_schema_reference_lists_every_declaration():
    from syngrasp.core import schema

    page = _reference_module().schema_page()
    for spec in schema.FRAME_KEYS:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{spec.name}` |"))
        assert f"| `{spec.dtype}` | `{spec.shape_text}` |" in row and f"| `{spec.storage}` |" in row, row
    assert "`(n_arm+1,)`" in page and "`(H, W, 3)`" in page and "`(N, 6)`" in page
    for kind in schema.STORAGE:
        assert f"| `{kind}` |" in page, kind
    for m in schema.META:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{m.name}` |"))
        assert f"| {m.type_name} |" in row and all(w.split("`")[0] in row for w in m.where), row
        assert ("| yes |" in row) == m.required, row
    for ck in schema.CAMERA_KEYS:
        assert f"| `{ck.name}` | `float64 {ck.shape}` |" in page, ck.name
    for phase in schema.PHASES:
        assert f"| {int(phase)} | `{phase.label}` |" in page, phase
    for col in schema.EPISODE_COLUMNS:
        assert f"`{col.name}`" in page, col.name
    for key in schema.LANGUAGE_KEYS:
        assert f"`{key}`" in page, key


def test_schema_reference_follows_a_new_declaration(monkeypatch):
    """A key declared in core/schema reaches the page with nothing else edited."""
    import dataclasses as dc

    from syngrasp.core.schema import frames, meta

    new_frame = frames.KeySpec("observation.test_only", "float16", lambda d: (d.n_arm * 2,), "N", "robot base",
                               "a declaration added by this test", storage=frames.ARRAY)
    new_meta = dc.replace(meta.META[0], name="test_only_meta", type="float", unit="kg", required=False,
                          meaning="a meta key added by this test", side="", column="")
    monkeypatch.setattr(frames, "FRAME_KEYS", (*frames.FRAME_KEYS, new_frame))
    monkeypatch.setattr(meta, "META", (*meta.META, new_meta))
    page = _reference_module().schema_page()
    assert "| `observation.test_only` | `float16` | `(n_arm*2,)` | N | robot base | `array` |" in page
    assert "| `test_only_meta` | float | kg | no | HDF5 demo attribute `test_only_meta` |" in page


def test_reference_hook_spells_no_key_name():
    """docs/hooks/reference.py reads every key name from core/schema (the same walk as the package's check)."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from test_schema_literals import _names, literal_hits
    finally:
        sys.path.pop(0)
    assert literal_hits(REPO / "docs" / "hooks" / "reference.py", _names()) == []


def test_cli_reference_names_each_commands_module():
    from syngrasp.app.cli import COMMAND_GROUPS

    page = _reference_module().cli_page()
    for group in COMMAND_GROUPS:
        path = group.__name__.removeprefix("syngrasp.").replace(".", "/") + ".py"
        assert f"Declared in `{path}`." in page, path
    assert "## `syngrasp generate`\n\nDeclared in `app/commands/generate.py`." in page


def test_layout_reference_lists_every_public_name():
    import inspect

    from syngrasp.core import layout

    page = _reference_module().layout_page()
    for name in layout.NAMES:
        assert f"`{name!r}`" in page, name
    for name, value in vars(layout).items():
        if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == layout.__name__:
            assert f"| `{name}(" in page, name
    assert "```text\nDIR/\n" in page  # the tree of the module's docstring


def test_formats_reference_lists_the_registries():
    from syngrasp.exporters import formats
    from syngrasp.generators import backend

    page = _reference_module().formats_page()
    for name in formats.BUILTINS:
        fmt = formats.get_format(name)
        assert f"| `{name}` | {_reference_module()._cell(fmt.doc)} |" in page, name
    for alias in formats.ALIASES:
        assert f"`{alias}` =" in page
    assert formats.ENTRY_POINT_GROUP in page
    for name in (*backend.backends(), *backend.check_backends()):
        assert f"`{name}`" in page, name
    config_keys = {k for k, _, _ in documented(load_config(None, [], seed=0, episodes=0))}
    named = set(re.findall(r"`((?:writer|rollout)\.[a-z_.]+)`", page))
    assert {"writer.format", "rollout.backend", "rollout.crosscheck"} <= named <= config_keys, named - config_keys


def test_mkdocs_build_strict(tmp_path):
    """The site builds with every link and anchor resolved (.ci/run runs the same build)."""
    pytest.importorskip("mkdocs", reason="mkdocs is in the docs extra (bash scripts/setup.sh --extras docs)")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for page in ("reference/cli/index.html", "reference/config/index.html", "reference/schema/index.html",
                 "reference/layout/index.html", "reference/formats/index.html", "changelog/index.html",
                 "performance/index.html"):
        assert (tmp_path / "site" / page).is_file(), page
