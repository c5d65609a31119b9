"""Asset catalogs (objects to grasp) and robot specifications.

Importing this package registers the built-in asset sources.
"""

from .catalog import Appearance, AssetCatalog, ObjectAsset, argument_sources, asset_sources, build_catalog, register_asset_source
from . import ingest, procedural, pybullet_source  # noqa: F401  (register sources and mesh schemes)
from .robot import RobotSpec, load_robot

__all__ = [
    "Appearance",
    "AssetCatalog",
    "ObjectAsset",
    "RobotSpec",
    "argument_sources",
    "asset_sources",
    "build_catalog",
    "load_robot",
    "register_asset_source",
]
