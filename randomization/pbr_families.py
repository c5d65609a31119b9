"""The PBR material families: palettes, scalar ranges and map generators.

Each family is an entry of ``FAMILIES`` (bottom of this file) with two pure functions:

- ``params(rng) -> dict``: the scalars drawn first from the material's RNG:
  ``rgb`` (mean albedo, sRGB-encoded, [0, 1]), ``roughness`` and ``metallic``
  (means of their maps), plus whatever the maps need (palette colours, counts).
- ``maps(rng, p, size) -> Layers``: float fields at ``size`` x ``size``, drawn
  from the same RNG after ``params``.

Colours are authored in sRGB (as a colour picker shows them) from measured
albedo ranges of real materials: nothing below ~0.03 or above ~0.95, and
muted hues except for plastics and paints. Every field is periodic (see
``pbr_noise``), so textures tile seamlessly. Layout convention: u runs along
the columns, v down the rows; grain, brushing and flutes run along u.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .pbr_noise import cell_noise, fbm, lattice_noise, smoothstep, uv


@dataclass(frozen=True)
class Layers:
    """Float fields of one material before encoding, each (size, size) unless noted.

    albedo: (size, size, 3) sRGB-encoded in [0, 1] (rescaled afterwards so its mean is ``params['rgb']``).
    height: dimensionless relief, roughly unit amplitude, periodic.
    depth: relief of ``height`` in tile lengths, for the normal map.
    roughness, metallic: in [0, 1]; roughness is shifted afterwards so its mean is ``params['roughness']``.
    occlusion: ambient occlusion in [0, 1], 1 = unoccluded.
    """

    albedo: np.ndarray
    height: np.ndarray
    depth: float
    roughness: np.ndarray
    metallic: np.ndarray | float
    occlusion: np.ndarray


@dataclass(frozen=True)
class Family:
    """A registered family: its generators and the physical ranges its roughness/metallic maps stay in."""

    params: Callable[[np.random.Generator], dict]
    maps: Callable[[np.random.Generator, dict, int], Layers]
    roughness_range: tuple[float, float]
    metallic_range: tuple[float, float]


def _pick(rng: np.random.Generator, palette: dict[str, tuple[float, float, float]], jitter: float = 0.04,
          weights: list[float] | None = None) -> tuple[str, np.ndarray]:
    """A named palette colour with brightness jitter (x(1 +- 2*jitter)) and a small per-channel tint."""
    names = list(palette)
    p = None if weights is None else np.asarray(weights) / np.sum(weights)
    name = names[int(rng.choice(len(names), p=p))]
    c = np.asarray(palette[name], np.float32) * np.float32(rng.uniform(1 - 2 * jitter, 1 + 2 * jitter))
    c = c + rng.uniform(-jitter / 2, jitter / 2, 3).astype(np.float32)
    return name, np.clip(c, 0.03, 0.95).astype(np.float32)


def _ao(height: np.ndarray, strength: float) -> np.ndarray:
    h = (height - height.min()) / max(float(np.ptp(height)), 1e-6)
    return 1.0 - np.float32(strength) * (1.0 - h)


def _mix(a, b, t):
    """Colour a where t = 0, b where t = 1 ((H, W, 3) from colours (3,) and weights (H, W))."""
    return a + (b - a) * t[..., None]


# ---------------------------------------------------------------- wood & laminate
WOODS = {"oak": (0.72, 0.55, 0.36), "maple": (0.82, 0.68, 0.50), "pine": (0.84, 0.69, 0.47),
         "ash": (0.79, 0.69, 0.54), "cherry": (0.62, 0.39, 0.25), "teak": (0.60, 0.43, 0.26),
         "mahogany": (0.50, 0.29, 0.19), "walnut": (0.38, 0.27, 0.19)}


def _wood_params(rng):
    species, rgb = _pick(rng, WOODS)
    return {"rgb": rgb, "species": species, "roughness": rng.uniform(0.45, 0.75), "metallic": 0.0,
            "rings": int(rng.integers(10, 24)), "warp": rng.uniform(0.4, 1.6), "planks": int(rng.choice([1, 2, 3, 4])),
            "contrast": rng.uniform(0.18, 0.35)}


def _wood_layers(rng, p, size, depth):
    u, v = uv(size)
    n = p["planks"]
    plank = np.floor(v * n + 0.5).astype(np.int64) % n  # seams at v = (k + 0.5) / n, never on the tile edge
    warp = lattice_noise(rng, size, 3, 2) * p["warp"] + 0.15 * lattice_noise(rng, size, 24, 4)
    offsets = rng.uniform(0, 50, n).astype(np.float32)
    shade = rng.uniform(0.92, 1.08, n).astype(np.float32)
    w = v * p["rings"] + warp + offsets[plank]
    t = w - np.floor(w)
    late = smoothstep(0.4, 0.9, t) * (1 - smoothstep(0.95, 1.0, t))  # dark late wood, sharp edge to early wood
    fibres = lattice_noise(rng, size, 256, 6) + 0.5 * lattice_noise(rng, size, 128, 3)
    pores = smoothstep(1.8, 2.6, lattice_noise(rng, size, 320, 24))
    rgb = p["rgb"]
    light = rgb * np.float32(1.1)
    dark = rgb * np.array([0.62, 0.54, 0.50], np.float32)
    a = _mix(light, dark, late * np.float32(p["contrast"] * 2))
    a *= (1 + 0.07 * fibres - 0.3 * pores)[..., None] * shade[plank][..., None]
    dv = np.abs(v * n + 0.5 - np.round(v * n + 0.5)) * size / n  # texels to the nearest seam
    seam = (1 - smoothstep(0.0, max(1.5, size / 256), dv)) if n > 1 else np.zeros_like(u)
    a *= (1 - 0.55 * seam)[..., None]
    h = 0.5 * late + 0.25 * fibres - 1.2 * pores - 3.0 * seam
    r = p["roughness"] + 0.05 * late + 0.15 * pores + 0.2 * seam
    return Layers(a, h, depth, r, 0.0, _ao(h, 0.25))


def _wood(rng, p, size):
    return _wood_layers(rng, p, size, 0.004)


LAMINATES = {"white": (0.90, 0.89, 0.86), "light grey": (0.74, 0.74, 0.73), "beige": (0.81, 0.76, 0.66),
             "anthracite": (0.30, 0.31, 0.32), "black": (0.12, 0.12, 0.12)}


def _laminate(rng, p, size):
    if p["print"]:  # a photographic wood print under a smooth overlay: flat, uniform sheen
        lay = _wood_layers(rng, p, size, 0.0012)
        r = np.full((size, size), p["roughness"], np.float32) + 0.03 * lattice_noise(rng, size, 64, 64)
        return Layers(lay.albedo, lay.height, lay.depth, r, 0.0, _ao(lay.height, 0.08))
    speck = lattice_noise(rng, size, 192, 192)
    peel = fbm(rng, size, 32, 3)
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.03 * speck + 0.015 * peel)[..., None]
    r = p["roughness"] + 0.04 * peel
    return Layers(a, peel, 0.0006, r, 0.0, _ao(peel, 0.05))


def _laminate_params(rng):
    if rng.random() < 0.5:
        p = _wood_params(rng)
        p.update(print=True, contrast=p["contrast"] * 0.7, roughness=rng.uniform(0.3, 0.5))
        return p
    name, rgb = _pick(rng, LAMINATES)
    return {"rgb": rgb, "print": False, "colour": name, "roughness": rng.uniform(0.3, 0.55), "metallic": 0.0}


# ---------------------------------------------------------------- stone, marble, tile, concrete
STONES = {"grey granite": (0.58, 0.57, 0.56), "black granite": (0.14, 0.14, 0.15), "pink granite": (0.68, 0.57, 0.53),
          "sandstone": (0.74, 0.66, 0.54), "slate": (0.30, 0.32, 0.34), "limestone": (0.80, 0.77, 0.70)}


def _stone(rng, p, size):
    rgb = p["rgb"]
    cloud = fbm(rng, size, 4, 5)
    g1 = lattice_noise(rng, size, 160, 160) + 0.5 * lattice_noise(rng, size, 320, 320)
    g2 = lattice_noise(rng, size, 128, 128)
    dark_g = smoothstep(0.6, 1.0, g1) * p["grain"]
    light_g = smoothstep(0.9, 1.3, g2) * p["grain"]
    a = np.broadcast_to(rgb, (size, size, 3)) * (1 + 0.06 * cloud)[..., None]
    a = _mix(a, rgb * np.float32(0.35), dark_g)
    a = _mix(a, np.minimum(rgb * np.float32(1.35) + 0.08, 0.95), light_g)
    if p["layered"]:  # bedding planes of sedimentary stone along u
        beds = lattice_noise(rng, size, 48, 2)
        a *= (1 + 0.025 * beds)[..., None]
        cloud = cloud + beds
    h = 0.5 * cloud + 0.3 * g1 - 0.4 * dark_g
    r = p["roughness"] + 0.05 * g2 * (p["roughness"] > 0.4)
    return Layers(a, h, 0.0008 if p["polished"] else 0.003, r, 0.0, _ao(h, 0.15))


def _stone_params(rng):
    name, rgb = _pick(rng, STONES)
    polished = name.endswith("granite") and rng.random() < 0.7
    return {"rgb": rgb, "stone": name, "polished": polished, "layered": name in ("sandstone", "slate", "limestone"),
            "grain": 0.8 if name.endswith("granite") else 0.25,
            "roughness": rng.uniform(0.15, 0.3) if polished else rng.uniform(0.55, 0.8), "metallic": 0.0}


MARBLES = {"carrara": ((0.88, 0.88, 0.87), (0.50, 0.51, 0.53)), "calacatta": ((0.92, 0.89, 0.84), (0.55, 0.48, 0.38)),
           "nero": ((0.10, 0.10, 0.11), (0.80, 0.80, 0.78)), "grey": ((0.62, 0.62, 0.63), (0.88, 0.88, 0.87)),
           "verde": ((0.22, 0.30, 0.26), (0.75, 0.78, 0.74))}


def _marble(rng, p, size):
    base, vein = np.asarray(p["base"], np.float32), np.asarray(p["vein"], np.float32)
    n1 = fbm(rng, size, 3, 6, gain=0.55)
    n2 = fbm(rng, size, 5, 5, gain=0.6)
    cloud = fbm(rng, size, 4, 4)
    veins = np.exp(-((n1 - p["level"]) / p["width"]) ** 2) + 0.5 * np.exp(-((n2 - 0.3) / (p["width"] * 0.4)) ** 2)
    veins = np.clip(veins, 0, 1)
    a = _mix(base * (1 + 0.04 * cloud)[..., None], vein, 0.85 * veins)
    h = 0.3 * cloud - 0.3 * veins
    r = p["roughness"] + 0.04 * veins
    return Layers(a, h, 0.0005, r, 0.0, _ao(h, 0.05))


def _marble_params(rng):
    names = list(MARBLES)
    name = names[int(rng.integers(len(names)))]
    base, vein = (np.asarray(c, np.float32) * np.float32(rng.uniform(0.95, 1.03)) for c in MARBLES[name])
    width = rng.uniform(0.05, 0.14)
    share = 0.85 * width * 1.77 / 4  # rough area share of the veins, for the mean colour
    return {"rgb": base + (vein - base) * np.float32(share), "base": base, "vein": vein, "level": rng.uniform(-0.8, 0.8),
            "width": width, "marble": name, "roughness": rng.uniform(0.1, 0.25), "metallic": 0.0}


TILES = {"white": (0.90, 0.90, 0.88), "cream": (0.88, 0.83, 0.72), "grey": (0.60, 0.60, 0.60),
         "terracotta": (0.63, 0.40, 0.30), "sage": (0.62, 0.68, 0.58), "slate blue": (0.42, 0.48, 0.55),
         "charcoal": (0.22, 0.22, 0.23)}
TILE_BEVEL = 0.006  # width of a tile's rounded edge [texture lengths], so the grout share is size-independent
GROUTS = {"white": (0.82, 0.81, 0.78), "grey": (0.52, 0.52, 0.50), "dark": (0.25, 0.25, 0.25)}


def _tile(rng, p, size):
    u, v = uv(size)
    nu, nv = p["tiles"]
    su, sv = u * nu + 0.5, v * nv + 0.5  # grout lines at (k + 0.5) / n: the tile edges cut through tile centres
    du = np.abs(su - np.round(su)) / nu  # distance to the nearest grout line [tile lengths]
    dv = np.abs(sv - np.round(sv)) / nv
    d = np.minimum(du, dv)
    gw = p["grout_width"]
    edge = smoothstep(gw, gw + TILE_BEVEL, d)  # 0 in grout, 1 on the tile face, beveled
    tile_id_var = rng.random((nv, nu)).astype(np.float32)[np.floor(sv).astype(np.int64) % nv,
                                                         np.floor(su).astype(np.int64) % nu] - 0.5
    glaze = fbm(rng, size, 8, 3)
    face = p["colour"] * (1 + 0.06 * tile_id_var + 0.02 * glaze)[..., None]
    grout_tex = lattice_noise(rng, size, 256, 256)
    grout = p["grout"] * (1 + 0.08 * grout_tex)[..., None]
    a = _mix(grout, face, edge)
    h = 2.0 * edge + 0.05 * glaze + 0.1 * grout_tex * (1 - edge)
    r = 0.92 + (p["glaze_roughness"] - 0.92) * edge
    return Layers(a, h, 0.0015, r, 0.0, _ao(h, 0.3))


def _tile_params(rng):
    _, colour = _pick(rng, TILES, 0.03)
    _, grout = _pick(rng, GROUTS, 0.03)
    n = int(rng.choice([2, 3, 4, 6]))
    tiles = (n, n) if rng.random() < 0.6 else (n, 2 * n)  # square tiles or 2:1 "subway" tiles
    gw = rng.uniform(0.002, 0.006)
    g = gw + TILE_BEVEL / 2  # the smoothstep bevel counts half as grout
    face_share = (1 - 2 * g * tiles[0]) * (1 - 2 * g * tiles[1])
    gr = rng.uniform(0.08, 0.25)
    return {"rgb": colour * np.float32(face_share) + grout * np.float32(1 - face_share), "colour": colour,
            "grout": grout, "tiles": tiles, "grout_width": gw, "glaze_roughness": gr,
            "roughness": gr * face_share + 0.92 * (1 - face_share), "metallic": 0.0}


CONCRETES = {"grey": (0.58, 0.58, 0.57), "warm grey": (0.62, 0.59, 0.55), "cool grey": (0.52, 0.54, 0.56),
             "light": (0.72, 0.71, 0.68), "dark": (0.40, 0.40, 0.40)}


def _concrete(rng, p, size):
    mottle = fbm(rng, size, 6, 6, gain=0.65)
    stains = smoothstep(0.4, 1.6, fbm(rng, size, 2, 4, gain=0.6))
    pores = smoothstep(2.3, 2.9, lattice_noise(rng, size, 224, 224))
    small = smoothstep(2.0, 2.6, lattice_noise(rng, size, 384, 384))
    agg = lattice_noise(rng, size, 160, 160)
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.07 * mottle + 0.03 * agg - p["stain"] * stains)[..., None]
    a *= (1 - 0.55 * pores - 0.3 * small)[..., None]
    h = 0.3 * mottle + 0.2 * agg - 2.5 * pores - 1.2 * small
    r = p["roughness"] + 0.04 * mottle - 0.05 * stains
    return Layers(a, h, 0.003, r, 0.0, _ao(h, 0.35))


def _concrete_params(rng):
    _, rgb = _pick(rng, CONCRETES, 0.03)
    return {"rgb": rgb, "stain": rng.uniform(0.05, 0.2), "roughness": rng.uniform(0.78, 0.92), "metallic": 0.0}


# ---------------------------------------------------------------- fabric, paper, cardboard
FABRICS = {"navy": (0.20, 0.24, 0.35), "charcoal": (0.25, 0.25, 0.27), "heather grey": (0.55, 0.55, 0.55),
           "beige": (0.72, 0.66, 0.56), "olive": (0.42, 0.42, 0.30), "burgundy": (0.45, 0.21, 0.23),
           "denim": (0.27, 0.35, 0.50), "cream": (0.85, 0.82, 0.74), "teal": (0.25, 0.40, 0.42),
           "mustard": (0.70, 0.58, 0.32), "rust": (0.58, 0.34, 0.25)}


def _fabric(rng, p, size):
    u, v = uv(size)
    n = p["threads"]
    a_, b_ = u * n, v * n
    iu, iv = np.floor(a_).astype(np.int64), np.floor(b_).astype(np.int64)
    fu, fv = a_ - iu, b_ - iv
    warp_top = ((iu + iv) % 2 == 0) if p["weave"] == "plain" else ((iu - iv) % 4 < 2)  # 2/2 twill
    prof_u = np.sqrt(np.sin(np.pi * fu))  # across a warp yarn (runs along v)
    prof_v = np.sqrt(np.sin(np.pi * fv))
    h = np.where(warp_top, prof_u * (0.7 + 0.3 * np.sin(np.pi * fv)), prof_v * (0.7 + 0.3 * np.sin(np.pi * fu)))
    h = h + 0.35 * warp_top  # the yarn on top sits higher
    fuzz = lattice_noise(rng, size, 256, 256)
    yarn_u = cell_noise(rng, size, 1, n) - 0.5  # per-yarn dye variation
    yarn_v = cell_noise(rng, size, n, 1) - 0.5
    slub = lattice_noise(rng, size, 8, n) * 0.5 + lattice_noise(rng, size, n, 8) * 0.5
    warp_c, weft_c = p["warp_rgb"], p["weft_rgb"]
    a = np.where(warp_top[..., None], warp_c * (1 + 0.12 * yarn_u + 0.04 * slub)[..., None],
                 weft_c * (1 + 0.12 * yarn_v + 0.04 * slub)[..., None])
    a *= (0.72 + 0.28 * h / 1.35 + 0.04 * fuzz)[..., None]
    h = h + 0.15 * fuzz
    r = p["roughness"] + 0.03 * fuzz
    return Layers(a, h, 0.006 * 64 / n, r, 0.0, _ao(h, 0.4))


def _fabric_params(rng):
    name, rgb = _pick(rng, FABRICS)
    weave = "twill" if name == "denim" or rng.random() < 0.4 else "plain"
    weft = np.float32([0.80, 0.78, 0.72]) if name == "denim" else rgb * np.float32(rng.uniform(0.85, 1.1))
    shade = 0.72 + 0.28 * 0.62 / 1.35  # mean of the yarn shading
    mean = (0.5 * (rgb + weft)) * np.float32(shade)
    return {"rgb": np.clip(mean, 0.03, 0.95), "warp_rgb": rgb, "weft_rgb": weft, "weave": weave,
            "threads": int(rng.choice([48, 64, 80, 96])), "roughness": rng.uniform(0.85, 0.95), "metallic": 0.0}


PAPERS = {"white": (0.94, 0.94, 0.93), "off-white": (0.92, 0.91, 0.87), "cream": (0.91, 0.88, 0.79),
          "recycled": (0.80, 0.79, 0.75), "newsprint": (0.84, 0.82, 0.76)}


def _paper(rng, p, size):
    formation = fbm(rng, size, 16, 4, gain=0.6)  # cloudy fibre flocs
    fibres = lattice_noise(rng, size, 384, 48) + lattice_noise(rng, size, 48, 384)
    specks = smoothstep(2.6, 3.2, lattice_noise(rng, size, 256, 256)) * p["specks"]
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.02 * formation + 0.015 * fibres - 0.4 * specks)[..., None]
    h = 0.5 * formation + 0.4 * fibres
    r = p["roughness"] + 0.03 * formation
    return Layers(a, h, 0.0012, r, 0.0, _ao(h, 0.08))


def _paper_params(rng):
    name, rgb = _pick(rng, PAPERS, 0.015)
    return {"rgb": rgb, "specks": 1.0 if name in ("recycled", "newsprint") else 0.2,
            "roughness": rng.uniform(0.72, 0.88), "metallic": 0.0}


CARDBOARDS = {"kraft": (0.62, 0.47, 0.32), "light kraft": (0.70, 0.56, 0.40), "dark kraft": (0.52, 0.38, 0.26),
              "white top": (0.86, 0.84, 0.79)}


def _cardboard(rng, p, size):
    u, v = uv(size)
    flute = 0.5 + 0.5 * np.cos(2 * np.pi * p["flutes"] * v)  # corrugation under the liner, along u
    fibres = lattice_noise(rng, size, 256, 256) + 0.6 * lattice_noise(rng, size, 384, 64)
    flecks = smoothstep(1.9, 2.6, lattice_noise(rng, size, 256, 256))
    blotch = fbm(rng, size, 4, 4)
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.05 * fibres + 0.05 * blotch + 0.035 * flute)[..., None]
    a = _mix(a, p["rgb"] * np.float32(0.7), 0.6 * flecks)
    h = 0.8 * flute + 0.25 * fibres - 0.5 * flecks
    r = p["roughness"] + 0.03 * fibres
    return Layers(a, h, 0.002, r, 0.0, _ao(h, 0.15))


def _cardboard_params(rng):
    _, rgb = _pick(rng, CARDBOARDS, 0.03, weights=[4, 2, 2, 1])
    return {"rgb": rgb, "flutes": int(rng.integers(18, 36)), "roughness": rng.uniform(0.8, 0.92), "metallic": 0.0}


# ---------------------------------------------------------------- metals, plastics, ceramics
METALS = {"aluminium": (0.94, 0.94, 0.94), "stainless": (0.78, 0.78, 0.77), "steel": (0.66, 0.67, 0.68),
          "titanium": (0.62, 0.60, 0.58), "brass": (0.86, 0.74, 0.50), "copper": (0.86, 0.62, 0.50)}


def _brushed(rng, p, size):
    streaks = lattice_noise(rng, size, 512, 3) + 0.6 * lattice_noise(rng, size, 256, 12)
    blotch = fbm(rng, size, 3, 3)
    scratches = smoothstep(2.4, 3.0, lattice_noise(rng, size, 384, 16))
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.035 * streaks + 0.02 * blotch)[..., None]
    h = streaks - 1.5 * scratches
    r = p["roughness"] + 0.06 * streaks + 0.03 * blotch + 0.1 * scratches
    return Layers(a, h, 0.0004, r, 1.0, _ao(h, 0.04))


def _brushed_params(rng):
    _, rgb = _pick(rng, METALS, 0.02, weights=[4, 4, 3, 1, 1, 1])
    return {"rgb": rgb, "roughness": rng.uniform(0.25, 0.45), "metallic": 1.0}


PAINTS = {"off-white": (0.88, 0.87, 0.84), "red": (0.62, 0.17, 0.15), "navy": (0.16, 0.21, 0.33),
          "green": (0.19, 0.33, 0.23), "black": (0.08, 0.08, 0.08), "grey": (0.45, 0.47, 0.48),
          "cream": (0.86, 0.80, 0.65), "yellow": (0.82, 0.66, 0.18), "light blue": (0.50, 0.62, 0.72)}


def _painted(rng, p, size):
    peel = lattice_noise(rng, size, 96, 96) + 0.5 * lattice_noise(rng, size, 192, 192)  # orange peel
    wear = fbm(rng, size, 6, 5, gain=0.6)
    chips = smoothstep(p["wear"] - 0.1, p["wear"], wear)
    metal = np.float32([0.62, 0.62, 0.63])
    a = _mix(np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.01 * peel)[..., None], metal, chips)
    h = 0.3 * peel - 2.0 * chips
    r = p["roughness"] + 0.03 * peel + (0.4 - p["roughness"]) * chips
    return Layers(a, h, 0.0008, r, chips, _ao(h, 0.1))


def _painted_params(rng):
    _, rgb = _pick(rng, PAINTS, 0.03)
    worn = rng.random() < 0.4
    return {"rgb": rgb, "wear": rng.uniform(2.2, 2.8) if worn else 99.0, "roughness": rng.uniform(0.25, 0.55),
            "metallic": 0.0}


PLASTICS = {"white": (0.90, 0.90, 0.88), "black": (0.10, 0.10, 0.11), "grey": (0.55, 0.56, 0.58),
            "red": (0.70, 0.19, 0.17), "blue": (0.19, 0.35, 0.64), "green": (0.26, 0.54, 0.31),
            "yellow": (0.90, 0.76, 0.22), "orange": (0.89, 0.46, 0.17), "teal": (0.21, 0.54, 0.58),
            "pink": (0.89, 0.61, 0.66), "purple": (0.45, 0.31, 0.60)}


def _plastic(rng, p, size):
    grain = lattice_noise(rng, size, 256, 256) + 0.5 * lattice_noise(rng, size, 512, 512)  # mould texture
    flow = fbm(rng, size, 3, 3)
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.01 * grain + 0.02 * flow)[..., None]
    r = p["roughness"] + 0.03 * grain
    return Layers(a, grain, 0.0003 + 0.0008 * p["textured"], r, 0.0, _ao(grain, 0.03))


def _plastic_params(rng):
    _, rgb = _pick(rng, PLASTICS, 0.03)
    textured = float(rng.random() < 0.5)
    return {"rgb": rgb, "textured": textured, "roughness": rng.uniform(0.3, 0.45) + 0.12 * textured, "metallic": 0.0}


GLAZES = {"white": (0.93, 0.93, 0.91), "cream": (0.91, 0.87, 0.77), "pastel blue": (0.72, 0.80, 0.86),
          "pastel green": (0.76, 0.84, 0.76), "blush": (0.89, 0.78, 0.77), "grey": (0.70, 0.70, 0.69),
          "oatmeal": (0.81, 0.75, 0.65), "charcoal": (0.21, 0.22, 0.25), "brown": (0.33, 0.24, 0.19)}


def _ceramic(rng, p, size):
    pool = fbm(rng, size, 3, 4)  # glaze thickness
    specks = smoothstep(2.5, 3.1, lattice_noise(rng, size, 200, 200)) * p["speckled"]
    a = np.broadcast_to(p["rgb"], (size, size, 3)) * (1 + 0.03 * pool)[..., None]
    a = _mix(a, np.float32([0.28, 0.22, 0.18]), 0.8 * specks)
    h = 0.4 * pool - 0.3 * specks
    r = p["roughness"] + 0.01 * pool
    return Layers(a, h, 0.0004, r, 0.0, _ao(h, 0.03))


def _ceramic_params(rng):
    name, rgb = _pick(rng, GLAZES, 0.02, weights=[5, 3, 1, 1, 1, 1, 2, 1, 1])
    return {"rgb": rgb, "speckled": float(name == "oatmeal" or rng.random() < 0.15),
            "roughness": rng.uniform(0.06, 0.18), "metallic": 0.0}


# name -> family; roughness_range/metallic_range bound every texel of the maps (physically plausible values)
FAMILIES: dict[str, Family] = {
    "wood": Family(_wood_params, _wood, (0.4, 0.8), (0.0, 0.0)),
    "laminate": Family(_laminate_params, _laminate, (0.25, 0.6), (0.0, 0.0)),
    "stone": Family(_stone_params, _stone, (0.12, 0.85), (0.0, 0.0)),
    "marble": Family(_marble_params, _marble, (0.08, 0.35), (0.0, 0.0)),
    "tile": Family(_tile_params, _tile, (0.08, 0.95), (0.0, 0.0)),
    "concrete": Family(_concrete_params, _concrete, (0.6, 1.0), (0.0, 0.0)),
    "fabric": Family(_fabric_params, _fabric, (0.78, 1.0), (0.0, 0.0)),
    "paper": Family(_paper_params, _paper, (0.65, 0.95), (0.0, 0.0)),
    "cardboard": Family(_cardboard_params, _cardboard, (0.7, 0.98), (0.0, 0.0)),
    "brushed_metal": Family(_brushed_params, _brushed, (0.18, 0.55), (1.0, 1.0)),
    "painted_metal": Family(_painted_params, _painted, (0.2, 0.65), (0.0, 1.0)),
    "plastic": Family(_plastic_params, _plastic, (0.25, 0.65), (0.0, 0.0)),
    "ceramic": Family(_ceramic_params, _ceramic, (0.03, 0.25), (0.0, 0.0)),
}
