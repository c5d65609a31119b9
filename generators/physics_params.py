"""Physical constants of the scene that every simulator backend builds the same way.

Friction triples are (sliding, torsional, rolling) as MuJoCo reads them; a
backend with another combination rule converts them (see pybullet_backend/sim.py).
"""

from __future__ import annotations

TABLE_THICKNESS = 0.04  # m
OBJECT_FRICTION = (1.0, 0.01, 0.0001)
TABLE_FRICTION = (1.0, 0.005, 0.0001)
