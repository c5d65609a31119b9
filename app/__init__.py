"""The app layer: the CLI, the root run configuration and the composition of the drivers.

It imports every stage; no stage imports it (an import-linter contract in pyproject.toml)."""
