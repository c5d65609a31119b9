"""core/layout.py owns the run folder's names: no other module spells one, and its rules round-trip."""

import ast
import os
import re

import pytest

from syngrasp.core import layout

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# not part of the package: tests, benchmarks, docs; scripts/ deliberately run without importing syngrasp
SKIP_DIRS = {"tests", "benchmarks", "scripts", "docs", ".git", ".venv", "site", "build"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


_NEEDLE = re.compile("|".join(rf"(?:^|(?<=[^\w.\-])){re.escape(n)}" for n in layout.NAMES))


def layout_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``source`` (f-string pieces included, docstrings not)
    that spells a name core/layout.py owns."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            and _NEEDLE.search(node.value)]


def _package_files():
    for dirpath, dirs, names in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        if rel_dir == ".":
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for n in names:
            if n.endswith(".py"):
                yield os.path.normpath(os.path.join(rel_dir, n))


def test_the_checker_finds_literals_and_skips_docstrings():
    src = ('"""Writes config.yaml and shard-000001.hdf5."""\n'
           'def f(k):\n    """The shards.jsonl row."""\n    return f"shard-{k:06d}.json", "out/manifest.json"\n'
           'X = "~/ray_bootstrap_config.yaml"\n')
    found = layout_literals(src)
    assert [line for line, _ in found] == [4, 4]
    assert {text for _, text in found} == {"shard-", "out/manifest.json"}


def test_no_layout_literal_outside_core_layout():
    files = [f for f in _package_files() if f != os.path.join("core", "layout.py")]
    assert os.path.join("cluster", "driver.py") in files and os.path.join("plugins", "lerobot_env_syngrasp",
                                                                          "lerobot_env_syngrasp", "__init__.py") in files
    bad = []
    for rel in files:
        with open(os.path.join(ROOT, rel)) as f:
            bad += [f"{rel}:{line}: {text!r}" for line, text in layout_literals(f.read())]
    assert not bad, "use syngrasp.core.layout instead of spelling these names:\n" + "\n".join(bad)


@pytest.mark.parametrize("k", [0, 7, 999_999, 1_234_567])
def test_shard_names_round_trip_and_sort(k):
    for name in (layout.record_name(k), layout.hdf5_name(k), layout.shard_file(k, ".mp4")):
        assert layout.shard_index(name) == k
        assert layout.shard_index(os.path.join("some", "dir", name)) == k
    assert layout.record_index(layout.record_name(k)) == k
    assert layout.record_index(layout.hdf5_name(k)) is None
    if k + 1 < 10**layout.SHARD_DIGITS:  # zero-padded: names sort like their indices
        assert sorted([layout.record_name(k + 1), layout.record_name(k)]) == [layout.record_name(k), layout.record_name(k + 1)]


def test_globs_find_only_their_own_files(tmp_path):
    for name in (layout.hdf5_name(2), layout.hdf5_name(0), layout.record_name(0), layout.CONFIG, "shard-x.json",
                 layout.shard_file(1, ".pid")):
        (tmp_path / name).write_text("")
    assert [os.path.basename(p) for p in layout.hdf5_shards(str(tmp_path))] == [layout.hdf5_name(0), layout.hdf5_name(2)]
    assert [os.path.basename(p) for p in layout.record_paths(str(tmp_path))] == [layout.record_name(0)]


def test_temp_names_are_recognised_and_user_files_are_not(tmp_path):
    tmp = layout.tmp_name(str(tmp_path / layout.MANIFEST))
    assert os.path.dirname(tmp) == str(tmp_path)
    assert layout.is_own_tmp(os.path.basename(tmp))
    assert layout.is_own_tmp(os.path.basename(layout.tmp_name("x.npz", suffix=".npz")))
    for user in ("notes.tmp", f"{layout.MANIFEST}.tmp", "syngrasp-tmp-1-x", layout.TMP_PREFIX + "abc"):
        assert not layout.is_own_tmp(user)
