"""The PyBullet backend, used to cross-check grasps recorded with MuJoCo.

Only the backend packages import ``pybullet`` (an import-linter contract in pyproject.toml)."""
