"""Default size and density of each object category, shared by the procedural source and catalog ingest."""

from __future__ import annotations

# category -> (largest extent range [m], density [kg/m^3])
CATEGORIES: dict[str, tuple[tuple[float, float], float]] = {
    "mug": ((0.07, 0.095), 700.0),
    "bottle": ((0.12, 0.20), 400.0),
    "can": ((0.08, 0.12), 400.0),
    "bowl": ((0.10, 0.15), 700.0),
    "box": ((0.05, 0.10), 300.0),
    "cup": ((0.07, 0.10), 500.0),
    "plate": ((0.12, 0.18), 800.0),
    "banana": ((0.12, 0.18), 600.0),
    "tool handle": ((0.12, 0.20), 600.0),
    "ball": ((0.04, 0.07), 300.0),
}
