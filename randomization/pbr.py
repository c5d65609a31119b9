"""Physically based material textures from seeds: albedo, normal and ORM maps (numpy only).

A material is ``(family, seed)``; ``pbr_maps(family, seed, size)`` turns it into
``size`` x ``size`` texel maps deterministically, and ``family_params(family,
seed)`` gives the scalar values a renderer without textures (MuJoCo's classic
Phong one) draws for the same material, without building any map. The maps:

- ``albedo``: (size, size, 3) uint8, sRGB-encoded base colour (glTF ``baseColorTexture``).
- ``normal``: (size, size, 3) uint8 tangent-space normals, OpenGL convention: red = +u
  (right), green = +v up the image, blue = out of the surface; flat = (128, 128, 255).
- ``orm``: (size, size, 3) uint8, linear: R ambient occlusion, G roughness, B metallic
  (glTF ``occlusionTexture`` + ``metallicRoughnessTexture`` packed in one image).

Every map tiles seamlessly (left/right and top/bottom edges continue), a seed
gives the same material at every size, and the albedo map's mean equals
``family_params(...).rgb`` (to within uint8 rounding and clipping). Grain,
brushing and corrugation run along u (the image's rows).

Measured single-thread times (OPENBLAS_NUM_THREADS=1, shared 2-core host) are
in ``GENERATION_SECONDS``; every family takes under 0.15 s at 512 px.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .pbr_families import FAMILIES
from .pbr_noise import height_to_normal, srgb_to_linear, to_u8

PBR_FAMILIES: tuple[str, ...] = tuple(FAMILIES)

# object category (assets.categories.CATEGORIES) -> plausible families, most likely first
CATEGORY_MATERIALS: dict[str, tuple[str, ...]] = {
    "mug": ("ceramic", "plastic", "painted_metal"),
    "cup": ("ceramic", "plastic", "paper"),
    "bowl": ("ceramic", "plastic", "wood"),
    "plate": ("ceramic", "plastic"),
    "bottle": ("plastic", "brushed_metal"),
    "can": ("painted_metal", "brushed_metal"),
    "box": ("cardboard", "paper"),
    "banana": ("plastic",),
    "tool handle": ("wood", "plastic", "brushed_metal"),
    "ball": ("plastic", "fabric"),
}
DEFAULT_MATERIALS: tuple[str, ...] = ("plastic",)

# surface role -> plausible families, for tables and room backgrounds
SURFACE_MATERIALS: dict[str, tuple[str, ...]] = {
    "table": ("wood", "laminate", "stone", "marble", "concrete", "brushed_metal", "fabric", "tile"),
    "background": ("concrete", "tile", "wood", "paper", "fabric", "painted_metal", "stone"),
}

# family -> measured seconds per pbr_maps call at (256 px, 512 px): one BLAS thread, median of 5 seeds,
# on a shared 2-core x86 host (documentation, not a contract)
GENERATION_SECONDS: dict[str, tuple[float, float]] = {
    "wood": (0.015, 0.056), "laminate": (0.012, 0.059), "stone": (0.019, 0.074), "marble": (0.016, 0.067),
    "tile": (0.013, 0.062), "concrete": (0.017, 0.062), "fabric": (0.020, 0.088), "paper": (0.017, 0.049),
    "cardboard": (0.018, 0.072), "brushed_metal": (0.011, 0.041), "painted_metal": (0.013, 0.059),
    "plastic": (0.019, 0.064), "ceramic": (0.012, 0.047),
}


@dataclass(frozen=True)
class PbrParams:
    """Scalar stand-ins for a material's maps.

    rgb: mean albedo, sRGB-encoded, each in [0, 1]: the mean of ``PbrMaps.albedo / 255``.
    roughness: mean perceptual roughness in [0, 1] (glTF), the mean of the ORM G channel.
    metallic: mean metalness in [0, 1], the mean of the ORM B channel.
    """

    family: str
    seed: int
    rgb: tuple[float, float, float]
    roughness: float
    metallic: float

    @property
    def rgb_linear(self) -> tuple[float, float, float]:
        """``rgb`` decoded to linear RGB (for shading in linear space)."""
        return tuple(float(c) for c in srgb_to_linear(self.rgb))

    @property
    def rgba(self) -> tuple[float, float, float, float]:
        """(r, g, b, 1) sRGB, as MuJoCo's classic ``material rgba`` takes it."""
        return (*self.rgb, 1.0)


@dataclass(frozen=True)
class PbrMaps:
    """One material's texel maps, each (size, size, 3) uint8; see the module docstring for the encodings."""

    albedo: np.ndarray
    normal: np.ndarray
    orm: np.ndarray
    params: PbrParams


def material_rng(family: str, seed: int) -> np.random.Generator:
    """The material's generator: SeedSequence([crc32(family), seed]), stable across processes and Python runs."""
    _check(family)
    return np.random.default_rng(np.random.SeedSequence([zlib.crc32(family.encode()), int(seed)]))


def _check(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown PBR family {family!r}; choose one of {', '.join(PBR_FAMILIES)}")


def _params(family: str, seed: int) -> tuple[np.random.Generator, dict]:
    rng = material_rng(family, seed)
    p = FAMILIES[family].params(rng)
    p["rgb"] = np.clip(np.asarray(p["rgb"], np.float32), 0.03, 0.95)
    return rng, p


def family_params(family: str, seed: int) -> PbrParams:
    """Scalar fallback values of material (family, seed), cheap (no maps are built)."""
    _, p = _params(family, seed)
    return PbrParams(family, int(seed), tuple(float(c) for c in p["rgb"]), float(p["roughness"]),
                     float(p["metallic"]))


def pbr_palette_rgba(family: str, seed: int) -> tuple[float, float, float, float]:
    """The material's mean albedo as sRGB (r, g, b, 1) in [0, 1], equal to the albedo map's mean."""
    return family_params(family, seed).rgba


def _match_mean(a: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Scale each channel of sRGB ``a`` (H, W, 3) so its mean after clipping to [0, 1] is ``target``."""
    for _ in range(3):
        m = a.reshape(-1, 3).mean(0)
        a = np.clip(a * (target / np.maximum(m, 1e-4)).astype(np.float32), 0.0, 1.0)
    return a


def pbr_maps(family: str, seed: int, size: int) -> PbrMaps:
    """Albedo, normal and ORM maps of material (family, seed) at ``size`` x ``size`` texels.

    Deterministic per (family, seed, size); ``size`` >= 16. Raises ValueError for an
    unknown family (the message lists the known ones).
    """
    if int(size) < 16:
        raise ValueError(f"PBR texture size must be at least 16 px, got {size}")
    size = int(size)
    rng, p = _params(family, seed)
    fam = FAMILIES[family]
    lay = fam.maps(rng, p, size)
    albedo = _match_mean(np.asarray(lay.albedo, np.float32), p["rgb"])
    lo, hi = fam.roughness_range
    r = np.asarray(lay.roughness, np.float32)
    for _ in range(2):  # shift to the family's mean, inside its physical range
        r = np.clip(r + np.float32(p["roughness"] - r.mean()), lo, hi)
    metallic = np.broadcast_to(np.clip(np.asarray(lay.metallic, np.float32), *fam.metallic_range), (size, size))
    orm = np.stack([to_u8(lay.occlusion), to_u8(r), to_u8(metallic)], -1)
    params = PbrParams(family, int(seed), tuple(float(c) for c in p["rgb"]), float(p["roughness"]),
                       float(metallic.mean()))
    return PbrMaps(to_u8(albedo), height_to_normal(np.asarray(lay.height, np.float32), lay.depth), orm, params)


def category_materials(category: str) -> tuple[str, ...]:
    """Plausible families for an object category, most likely first; ("plastic",) for unknown categories."""
    return CATEGORY_MATERIALS.get(category, DEFAULT_MATERIALS)
