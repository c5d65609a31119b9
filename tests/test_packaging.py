"""The wheel holds every sub-package: pyproject.toml lists packages by hand (the repository root is
the import package), so a new folder with an ``__init__.py`` that is not listed would be missing
from ``pip install .`` while an editable install still finds it."""

import os
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOT_SHIPPED = {"tests", "benchmarks", "plugins", "docs", "scripts", ".venv", "build"}


def _package_dirs() -> set[str]:
    found = set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        if rel != "." and rel.split(os.sep)[0] in NOT_SHIPPED:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        if "__init__.py" in filenames:
            found.add("syngrasp" if rel == "." else "syngrasp." + rel.replace(os.sep, "."))
    return found


def test_every_package_folder_is_in_the_wheel():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        listed = set(tomllib.load(f)["tool"]["setuptools"]["packages"])
    found = _package_dirs()
    assert "syngrasp.generators.mujoco_backend" in found  # the walk sees nested packages
    assert found - listed == set(), f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"
    assert listed - found == set(), f"listed but not a package folder: {sorted(listed - found)}"
