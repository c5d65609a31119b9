"""Lights: count, type, placement, colour temperature, intensity, ambient, shadows."""

from __future__ import annotations

import numpy as np

from .config import LightingConfig
from ..core.scene import LightSpec


def kelvin_to_rgb(kelvin: float) -> tuple[float, float, float]:
    """Approximate RGB in [0, 1] of a black body at ``kelvin`` (1000-40000 K), normalised to max 1."""
    t = kelvin / 100.0
    r = 255.0 if t <= 66 else 329.698727446 * (t - 60) ** -0.1332047592
    g = 99.4708025861 * np.log(t) - 161.1195681661 if t <= 66 else 288.1221695283 * (t - 60) ** -0.0755148492
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.5177312231 * np.log(t - 10) - 305.0447927307)
    rgb = np.clip([r, g, b], 0, 255) / 255.0
    return tuple(float(v) for v in rgb / rgb.max())


def sample_lights(
    cfg: LightingConfig, rng: np.random.Generator, table_center: tuple[float, float], top_z: float
) -> tuple[tuple[LightSpec, ...], tuple[float, float, float]]:
    """(lights, ambient rgb). Lights sit above the table and point at a spot near its centre."""
    if not cfg.enabled:
        light = LightSpec("directional", (0.4, 0.3, top_z + 1.6), (-0.3, 0.2, -1.0), (0.6, 0.6, 0.6), False)
        return (light,), (0.35, 0.35, 0.35)
    n = int(rng.integers(cfg.count[0], cfg.count[1] + 1))
    lights = []
    for _ in range(n):
        kind = cfg.types[int(rng.integers(len(cfg.types)))]
        az = rng.uniform(0, 2 * np.pi)
        r = rng.uniform(*cfg.radius)
        pos = np.array([table_center[0] + r * np.cos(az), table_center[1] + r * np.sin(az), top_z + rng.uniform(*cfg.height)])
        aim = np.array([table_center[0] + rng.uniform(-0.2, 0.2), table_center[1] + rng.uniform(-0.2, 0.2), top_z])
        d = aim - pos
        d /= np.linalg.norm(d)
        colour = np.asarray(kelvin_to_rgb(rng.uniform(*cfg.temperature_k))) * rng.uniform(*cfg.intensity)
        lights.append(
            LightSpec(
                kind,
                tuple(float(v) for v in pos),
                tuple(float(v) for v in d),
                tuple(float(v) for v in colour),
                bool(rng.random() < cfg.shadow_prob),
            )
        )
    amb = rng.uniform(*cfg.ambient) * np.asarray(kelvin_to_rgb(rng.uniform(*cfg.temperature_k)))
    return tuple(lights), tuple(float(v) for v in amb)
