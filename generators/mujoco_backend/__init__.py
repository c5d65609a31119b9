"""The MuJoCo backend (the default simulator and renderer): model building, physics, cameras, USD export.

Only the backend packages import ``mujoco`` (an import-linter contract in pyproject.toml)."""
