"""No key name is spelled out outside the schema: code uses core/schema's constants and functions.

Every string constant of the package's modules (f-string parts included) is compared with the
declared frame key names (``observation.state``, ``observation.images.{cam}`` and its prefix
``observation.images.``, ...), the written action prefix ``action.`` and the declared meta key names
(``scene``, ``seed``, ...). A constant that names something else with the same spelling (a config key
``seed``, LeRobot's own ``episode_index`` column, an outcome label ``success``) carries the comment
``# not a schema key: <what it is>`` on its line.
"""

import ast
import pathlib

from syngrasp.core import schema

ROOT = pathlib.Path(schema.__file__).resolve().parents[2]
MARKER = "# not a schema key"


def _package_files() -> list[pathlib.Path]:
    """The .py files of the installed package (pyproject's packages: the root and its package folders)."""
    out = sorted(ROOT.glob("*.py"))
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        folder = init.parent
        rel = folder.relative_to(ROOT).parts
        if rel[0] in ("tests", "benchmarks", "scripts", "plugins", "docs", "build", "site") or \
                any(p.startswith(".") for p in rel):
            continue
        out += sorted(folder.glob("*.py"))
    return out


def _names() -> set[str]:
    names = {m.name for m in schema.META}
    for s in schema.FRAME_KEYS:
        names.add(s.pattern)
        if "{cam}" in s.pattern:
            names.add(s.prefix)
    names.add(schema.ACTION + ".")
    return names


def _skipped(rel: str) -> bool:
    return rel.startswith("core/schema/")


def literal_hits(path: pathlib.Path, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of each string constant of ``path`` equal to a key name, unless its line is marked."""
    src = path.read_text()
    lines = src.splitlines()
    hits = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
            if not any(MARKER in line for line in span):
                hits.append((node.lineno, node.value))
    return sorted(hits)


def test_the_walk_sees_the_package():
    rels = {str(p.relative_to(ROOT)) for p in _package_files()}
    assert {"generators/rollout.py", "exporters/formats/hdf5/writer.py", "core/episode.py", "preview_scene.py"} <= rels
    assert not any(r.startswith(("tests/", "benchmarks/", "scripts/")) for r in rels)


def test_no_key_name_literal_outside_the_schema():
    names = _names()
    hits = []
    for path in _package_files():
        rel = str(path.relative_to(ROOT))
        if not _skipped(rel):
            hits += [f"{rel}:{line}: {name!r}" for line, name in literal_hits(path, names)]
    assert hits == [], ("key names spelled out; use core/schema's constants (STATE, SCENE, image_key(cam), ...) "
                        "or mark another meaning with '# not a schema key: <what>':\n" + "\n".join(hits))


def test_the_check_catches_a_literal(tmp_path):
    """The walk flags a key literal, an f-string prefix and a meta key, and honours the marker."""
    bad = tmp_path / "bad.py"
    bad.write_text('a = x["observation.state"]\nb = f"observation.images.{c}"\nc = m["scene"]\n'
                   'd = cfg["seed"]  # not a schema key: config key\n')
    assert literal_hits(bad, _names()) == [(1, "observation.state"), (2, "observation.images."), (3, "scene")]
