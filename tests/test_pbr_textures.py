"""PBR material maps: deterministic, seamless, physically plausible, matching their scalar fallbacks."""

import numpy as np
import pytest

from syngrasp.assets.categories import CATEGORIES
from syngrasp.randomization.pbr import (CATEGORY_MATERIALS, PBR_FAMILIES, category_materials, family_params,
                                        pbr_maps, pbr_palette_rgba)
from syngrasp.randomization.pbr_families import FAMILIES

SIZE = 128
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def maps():
    return {(f, s): pbr_maps(f, s, SIZE) for f in PBR_FAMILIES for s in SEEDS}


@pytest.mark.parametrize("family", PBR_FAMILIES)
def test_same_seed_same_bytes_other_seed_differs(family, maps):
    a, b = maps[family, 0], pbr_maps(family, 0, SIZE)
    for k in ("albedo", "normal", "orm"):
        assert getattr(a, k).shape == (SIZE, SIZE, 3) and getattr(a, k).dtype == np.uint8
        assert getattr(a, k).tobytes() == getattr(b, k).tobytes()
    assert a.albedo.tobytes() != maps[family, 1].albedo.tobytes()
    assert a.normal.tobytes() != maps[family, 1].normal.tobytes()


def _seam_ratio(img: np.ndarray) -> float:
    """Mean |difference| across a wrap-around edge over the largest such mean between two interior neighbour
    lines (columns or rows); under ~1 when the edge looks like any other line of the texture."""
    x = img.astype(np.float32)
    ratios = []
    for axis in (0, 1):
        y = np.moveaxis(x, axis, 0)
        lines = np.abs(np.diff(y, axis=0)).mean(axis=(1, 2))  # (n - 1,) interior neighbour-line differences
        edge = np.abs(y[0] - y[-1]).mean()
        ratios.append(edge / max(float(lines.max()), 1.0))  # steps under one 8-bit level are invisible
    return float(max(ratios))


@pytest.mark.parametrize("family", PBR_FAMILIES)
def test_maps_tile_seamlessly(family, maps):
    for s in SEEDS:
        m = maps[family, s]
        assert _seam_ratio(m.albedo) < 1.25, (family, s)
        assert _seam_ratio(m.normal) < 1.25, (family, s)


def test_seam_measure_catches_a_non_periodic_image():
    ramp = np.repeat(np.linspace(0, 255, SIZE)[None, :, None], SIZE, 0).repeat(3, 2).astype(np.uint8)
    assert _seam_ratio(ramp) > 50


@pytest.mark.parametrize("family", PBR_FAMILIES)
def test_normal_maps_decode_to_unit_vectors_pointing_out_on_average(family, maps):
    for s in SEEDS:
        n = maps[family, s].normal.astype(np.float32) / 127.5 - 1.0
        length = np.linalg.norm(n, axis=-1)
        assert np.abs(length - 1).max() < 0.02
        assert (n[..., 2] > 0).all()
        mean = n.reshape(-1, 3).mean(0)
        assert abs(mean[0]) < 0.03 and abs(mean[1]) < 0.03 and mean[2] > 0.9, (family, s, mean)


@pytest.mark.parametrize("family", PBR_FAMILIES)
def test_roughness_and_metallic_stay_in_the_family_range(family, maps):
    lo, hi = FAMILIES[family].roughness_range
    mlo, mhi = FAMILIES[family].metallic_range
    for s in SEEDS:
        orm = maps[family, s].orm.astype(np.float32) / 255
        assert orm[..., 1].min() >= lo - 0.01 and orm[..., 1].max() <= hi + 0.01
        assert orm[..., 2].min() >= mlo - 0.01 and orm[..., 2].max() <= mhi + 0.01
        assert 0.5 < orm[..., 0].mean() <= 1.0  # occlusion darkens cavities, not whole surfaces


@pytest.mark.parametrize("family,lo,hi,metal", [
    ("brushed_metal", 0.2, 0.5, 1.0), ("plastic", 0.3, 0.6, 0.0), ("ceramic", 0.05, 0.2, 0.0),
    ("fabric", 0.8, 1.0, 0.0), ("paper", 0.7, 0.95, 0.0), ("cardboard", 0.7, 0.95, 0.0), ("wood", 0.4, 0.8, 0.0)])
def test_mean_roughness_and_metallic_are_physical(family, lo, hi, metal):
    for s in range(20):
        p = family_params(family, s)
        assert lo <= p.roughness <= hi and p.metallic == metal, (family, s, p)


@pytest.mark.parametrize("family", PBR_FAMILIES)
def test_palette_matches_map_mean(family, maps):
    for s in SEEDS:
        m = maps[family, s]
        rgba = pbr_palette_rgba(family, s)
        mean = m.albedo.reshape(-1, 3).mean(0) / 255
        assert rgba[3] == 1.0 and np.abs(mean - rgba[:3]).max() < 0.02, (family, s, mean, rgba)
        assert np.allclose(m.params.rgb, rgba[:3])
        assert abs(m.orm[..., 1].mean() / 255 - m.params.roughness) < 0.02


def _saturation(rgb: np.ndarray) -> np.ndarray:
    x = rgb.reshape(-1, 3).astype(np.float32)
    mx = x.max(1)
    return np.where(mx > 0, (mx - x.min(1)) / np.maximum(mx, 1e-6), 0)


# HSV saturation of measured real-world albedos: woods ~0.3-0.6, stone/concrete/paper/metal < 0.35, dyed fabric
# and glazes < 0.6, consumer plastics and paints up to ~0.8; the old procedural families drew uniform random colours (mean saturation ~0.6, up to 1).
@pytest.mark.parametrize("family", PBR_FAMILIES)
def test_colours_are_not_saturated(family):
    bound = {"plastic": 0.85, "painted_metal": 0.85, "wood": 0.65, "laminate": 0.65, "cardboard": 0.6,
             "fabric": 0.6}.get(family, 0.5)
    sats = [float(_saturation(pbr_maps(family, s, 32).albedo).mean()) for s in range(12)]
    assert max(sats) < bound, (family, sats)
    assert np.mean(sats) < (0.65 if bound > 0.8 else 0.5)  # vivid plastics and paints exist, but not only


def test_unknown_family_names_the_choices():
    with pytest.raises(ValueError, match="unknown PBR family 'velvet'.*wood"):
        pbr_maps("velvet", 0, 64)


def test_same_material_at_every_size():
    small, big = pbr_maps("wood", 5, 64).albedo.astype(np.float32), pbr_maps("wood", 5, 256).albedo.astype(np.float32)
    down = big.reshape(64, 4, 64, 4, 3).mean((1, 3))
    assert np.abs(down - small).mean() < 12  # same rings and planks; only the finest detail differs


def test_every_category_has_known_families():
    assert set(CATEGORIES) <= set(CATEGORY_MATERIALS)
    for fams in CATEGORY_MATERIALS.values():
        assert fams and set(fams) <= set(PBR_FAMILIES)
    assert category_materials("spaceship") == ("plastic",)
    assert category_materials("mug")[0] == "ceramic"
