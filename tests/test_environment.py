"""Environment maps: .hdr round trips, light direction, seamless cube faces, seeded procedural skies and rooms."""

import numpy as np
import pytest

from syngrasp.core.errors import AssetError
from syngrasp.randomization.environment import (cube_directions, direction_to_texel, environment_files,
                                                load_environment, procedural_environment, to_ldr)
from syngrasp.randomization.hdr import read_hdr


def _rgbe(rgb: np.ndarray) -> np.ndarray:
    """Float (H, W, 3) -> uint8 RGBE, written independently of the reader (frexp form)."""
    m = rgb.max(-1)
    mant, exp = np.frexp(m)
    scale = np.where(m > 1e-32, mant * 256.0 / np.maximum(m, 1e-32), 0.0)
    out = np.zeros(rgb.shape[:2] + (4,), np.uint8)
    out[..., :3] = np.clip(np.floor(rgb * scale[..., None]), 0, 255)
    out[..., 3] = np.where(m > 1e-32, exp + 128, 0)
    return out


def _rle_channel(b: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(b):
        j = i
        while j < len(b) and j - i < 127 and b[j] == b[i]:
            j += 1
        if j - i >= 3:
            out += bytes([128 + j - i, b[i]])
            i = j
        else:
            k = i
            while k < len(b) and k - i < 128 and not (k + 2 < len(b) and b[k] == b[k + 1] == b[k + 2]):
                k += 1
            out += bytes([k - i]) + b[i:k]
            i = k
    return bytes(out)


def write_hdr(path, rgb: np.ndarray, rle: bool, exposure: float | None = None):
    h, w = rgb.shape[:2]
    px = _rgbe(rgb)
    head = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n" + (b"EXPOSURE=%g\n" % exposure if exposure else b"")
    body = bytearray(head + b"\n-Y %d +X %d\n" % (h, w))
    for y in range(h):
        if rle:
            body += bytes([2, 2, w >> 8, w & 255])
            for c in range(4):
                body += _rle_channel(px[y, :, c].tobytes())
        else:
            body += px[y].tobytes()
    with open(path, "wb") as f:
        f.write(bytes(body))


@pytest.mark.parametrize("rle", [False, True])
def test_hdr_round_trip(tmp_path, rle):
    rng = np.random.default_rng(0)
    img = (rng.random((6, 40, 3)) * 10 ** rng.uniform(-2, 3, (6, 40, 1))).astype(np.float32)
    img[:, :15] = [0.5, 0.25, 1.0]  # long runs exercise the run-length path
    img[0, 0] = 0.0
    write_hdr(tmp_path / "a.hdr", img, rle)
    back = read_hdr(str(tmp_path / "a.hdr"))
    assert back.shape == img.shape and back[0, 0].max() == 0.0
    # RGBE keeps 8 mantissa bits of each pixel's largest channel: error under half a step of 2**-8 of it
    assert (np.abs(back - img) <= img.max(-1, keepdims=True) * 2 ** -8 + 1e-9).all()
    assert np.allclose(back[1, 3], [0.5, 0.25, 1.0], rtol=0, atol=1 / 128)


def test_hdr_known_bytes_and_exposure(tmp_path):
    p = tmp_path / "k.hdr"
    p.write_bytes(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\nEXPOSURE=2\n\n-Y 1 +X 2\n" + bytes([128, 64, 0, 129, 0, 0, 0, 0]))
    v = read_hdr(str(p))
    assert np.allclose(v[0, 0], np.array([128.5, 64.5, 0.5]) / 256 * 2 / 2) and v[0, 1].max() == 0


def test_bad_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.hdr"
    bad.write_bytes(b"P6\n1 1\n255\n\0\0\0")
    with pytest.raises(AssetError, match="bad.hdr.*Radiance"):
        load_environment(str(bad), 8)
    cut = tmp_path / "cut.hdr"
    write_hdr(cut, np.ones((4, 8, 3), np.float32), rle=False)
    cut.write_bytes(cut.read_bytes()[:-10])
    with pytest.raises(AssetError, match="cut.hdr.*truncated"):
        load_environment(str(cut), 8)
    exr = tmp_path / "studio.exr"
    exr.write_bytes(b"\x76\x2f\x31\x01")
    with pytest.raises(AssetError, match="studio.exr.*convert it to a Radiance .hdr"):
        load_environment(str(exr), 8)
    assert environment_files(str(tmp_path)) == [str(bad), str(cut), str(exr)]
    with pytest.raises(AssetError, match="missing: environment-map folder does not exist"):
        environment_files(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(AssetError, match="empty: no .hdr or .exr"):
        environment_files(str(tmp_path / "empty"))


@pytest.mark.parametrize("az,el", [(0.0, 30.0), (100.0, 60.0), (-135.0, 10.0), (45.0, -20.0)])
def test_bright_spot_gives_the_sun_direction(tmp_path, az, el):
    h, w = 64, 128
    img = np.full((h, w, 3), 0.2, np.float32)
    col = int((np.pi - np.radians(az)) / (2 * np.pi) * w) % w
    row = int((np.pi / 2 - np.radians(el)) / np.pi * h)
    img[row - 1:row + 1, col - 1:col + 1] = [800.0, 700.0, 600.0]
    write_hdr(tmp_path / "spot.hdr", img, rle=True)
    env = load_environment(str(tmp_path / "spot.hdr"), 32)
    c, r = (col - 0.0) / w, (row - 0.0) / h  # the spot's centre (a 2 x 2 block around the texel corner)
    phi, theta = np.pi - 2 * np.pi * c, np.pi / 2 - np.pi * r
    want = np.array([np.cos(theta) * np.cos(phi), np.cos(theta) * np.sin(phi), np.sin(theta)])
    assert np.degrees(np.arccos(np.clip(env.sun_dir @ want, -1, 1))) < 4.0
    assert env.sun_share > 0.3 and env.sun_rgb[0] > env.sun_rgb[2]


def test_cube_texel_mapping_round_trips():
    d, omega = cube_directions(16)
    face, row, col = direction_to_texel(d, 16)
    assert (face == np.arange(6)[:, None, None]).all()
    assert (row == np.arange(16)[None, :, None]).all() and (col == np.arange(16)[None, None, :]).all()
    assert abs(omega.sum() - 4 * np.pi) < 0.02  # midpoint rule per texel
    assert np.allclose(d[4, 8, 8], [0, 0, 1], atol=0.1)  # face +Z looks up


@pytest.mark.parametrize("kind", ["sky", "room"])
def test_cube_faces_continue_across_shared_edges(kind):
    size = 48
    env = procedural_environment(kind, 3, size)
    d, _ = cube_directions(size)
    lum = np.log(env.faces.mean(-1) + 1e-3)
    step = 2.0 / size
    edge, inner = [], []
    for f in range(6):
        for sl, outward in ((np.s_[:, 0], 0), (np.s_[:, -1], 1), (np.s_[0, :], 2), (np.s_[-1, :], 3)):
            dd = d[f][sl]
            # the neighbour one texel beyond this edge: step away from the face centre, past the edge
            centre = d[f, size // 2, size // 2]
            out = dd + step * (dd - centre * (dd @ centre)[:, None]) / np.linalg.norm(
                dd - centre * (dd @ centre)[:, None], axis=-1, keepdims=True)
            nf, nr, nc = direction_to_texel(out, size)
            assert (nf != f).all()
            edge.append(np.abs(lum[f][sl] - lum[nf, nr, nc]))
    for f in range(6):
        inner.append(np.abs(np.diff(lum[f], axis=0)).ravel())
        inner.append(np.abs(np.diff(lum[f], axis=1)).ravel())
    edge, inner = np.concatenate(edge), np.concatenate(inner)
    assert np.median(edge) < 3 * np.median(inner) + 0.02
    assert np.percentile(edge, 90) < 3 * np.percentile(inner, 90) + 0.05


@pytest.mark.parametrize("kind", ["sky", "room"])
def test_same_seed_same_map(kind):
    a, b, c = (procedural_environment(kind, s, 24) for s in (7, 7, 8))
    assert a.faces.dtype == np.float32 and a.faces.shape == (6, 24, 24, 3)
    assert a.faces.tobytes() == b.faces.tobytes() and a.faces.tobytes() != c.faces.tobytes()
    assert (a.faces >= 0).all() and np.isfinite(a.faces).all()


def test_sky_is_brighter_above_the_horizon_and_has_a_sun():
    for seed in range(6):
        env = procedural_environment("sky", seed, 32)
        d, omega = cube_directions(32)
        lum = env.faces.mean(-1)
        up, down = d[..., 2] > 0.05, d[..., 2] < -0.05
        assert (lum[up] * omega[up]).sum() / omega[up].sum() > 1.5 * (lum[down] * omega[down]).sum() / omega[down].sum()
        assert env.sun_dir is not None and env.sun_dir[2] > 0.1 and 0.1 < env.sun_share < 0.95
        assert np.isclose(np.linalg.norm(env.sun_dir), 1, atol=1e-5)


def test_room_light_is_overhead_or_a_window_and_ldr_is_8_bit():
    for seed in range(6):
        env = procedural_environment("room", seed, 32)
        assert env.sun_dir is not None and env.sun_dir[2] > -0.2  # ceiling panels or a window, never the floor
        ldr = to_ldr(env)
        assert ldr.dtype == np.uint8 and ldr.shape == (6, 32, 32, 3)
        assert 40 < np.median(ldr) < 200  # auto exposure puts the typical texel near mid grey
        assert env.mean_radiance > 0


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown environment kind 'beach'.*sky, room"):
        procedural_environment("beach", 0, 16)
