"""The LeRobot plugin (plugins/lerobot_env_syngrasp) is found by name and stays out of syngrasp's install.

The plugin itself runs only next to lerobot 0.6.x (scripts/lerobot_train_eval_check.sh, not CI);
these checks need neither lerobot nor torch.
"""

from __future__ import annotations

import ast
import os
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN = os.path.join(ROOT, "plugins", "lerobot_env_syngrasp")


def _project(path: str) -> dict:
    with open(os.path.join(path, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def test_distribution_name_is_the_module_lerobot_imports():
    # lerobot.utils.import_utils.register_third_party_plugins imports the distribution name as a module
    name = _project(PLUGIN)["name"]
    assert name.startswith("lerobot_env_")
    assert os.path.isfile(os.path.join(PLUGIN, name, "__init__.py"))


def test_plugin_registers_the_syngrasp_env_type():
    with open(os.path.join(PLUGIN, "lerobot_env_syngrasp", "__init__.py")) as f:
        tree = ast.parse(f.read())
    decorators = [ast.unparse(d) for node in tree.body if isinstance(node, ast.ClassDef) for d in node.decorator_list]
    assert "EnvConfig.register_subclass('syngrasp')" in decorators


def test_lerobot_and_torch_stay_out_of_syngrasp_and_its_package_graph():
    deps = " ".join(_project(ROOT)["dependencies"]).lower()
    assert "lerobot" not in deps and "torch" not in deps
    assert not os.path.exists(os.path.join(ROOT, "plugins", "__init__.py"))  # lint-imports' root skips plugins/
