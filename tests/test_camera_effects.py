"""Camera effects: each effect does what its parameter says, in linear light; seeded and JSON round-tripped."""

import dataclasses
import json

import numpy as np
import pytest

from syngrasp.core.dataconf import from_dict
from syngrasp.core.errors import ConfigError
from syngrasp.generators.camera_effects import apply_camera_effects, linear_to_srgb, srgb_to_linear
from syngrasp.core.scene import CameraEffectsSpec
from syngrasp.randomization.camera_effects import CameraEffectsConfig, sample_camera_effects

CAMS = ("front", "side", "wrist")


def _scene(h: int = 128, w: int = 128) -> np.ndarray:
    """A small procedural photo: colour ramps, a bright disc, a dark bar and fine stripes."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([40 + 150 * xx / w, 60 + 120 * yy / h, 90 + 60 * (xx + yy) / (h + w)], axis=-1)
    img[(yy - h / 3) ** 2 + (xx - w / 3) ** 2 < (h / 6) ** 2] = (230, 220, 200)
    img[int(0.7 * h):int(0.8 * h), w // 4:3 * w // 4] = (20, 25, 30)
    img[h // 8:h // 4, int(0.6 * w):int(0.9 * w)] = np.where((xx[h // 8:h // 4, int(0.6 * w):int(0.9 * w)] // 2) % 2,
                                                              200, 50)[..., None]
    return np.rint(img).astype(np.uint8)


def _flat(level: int, h: int = 256, w: int = 256) -> np.ndarray:
    return np.full((h, w, 3), level, np.uint8)


def _lin(img: np.ndarray) -> np.ndarray:
    return srgb_to_linear(img / 255.0)


def test_identity_spec_is_bit_exact_and_disabled_config_gives_identity():
    img = _scene()
    specs = sample_camera_effects(CameraEffectsConfig(enabled=False), CAMS, np.random.default_rng(0))
    assert [s.camera for s in specs] == list(CAMS)
    for s in specs:
        assert s.is_identity
        out = apply_camera_effects(img, s, 5)
        assert out.dtype == np.uint8 and np.array_equal(out, img)


def test_same_spec_and_frame_reproduce_and_other_frames_differ():
    fx = sample_camera_effects(CameraEffectsConfig(), CAMS, np.random.default_rng(1))[0]
    img = _scene()
    a, b = apply_camera_effects(img, fx, 3), apply_camera_effects(img.copy(), fx, 3)
    assert np.array_equal(a, b)
    c = apply_camera_effects(img, fx, 4)
    assert not np.array_equal(a, c)
    # only the noise differs between frames: the frame mean is the same to a small fraction of a DN
    assert abs(a.astype(float).mean() - c.astype(float).mean()) < 0.05
    other_seed = dataclasses.replace(fx, noise_seed=fx.noise_seed + 1)
    assert not np.array_equal(a, apply_camera_effects(img, other_seed, 3))


def test_read_noise_on_black_matches_configured_sigma():
    sigma_dn = 3.0
    fx = CameraEffectsSpec("c", noise_seed=11, read_noise_dn=sigma_dn)
    out = apply_camera_effects(_flat(0), fx, 0).astype(np.float64)
    # in the blacks sRGB is linear, and noise below 0 clips to 0: a half-normal, E[max(0, s z)^2] = s^2 / 2
    # (plus ~1/12 DN^2 from rounding)
    est = np.sqrt(2.0 * ((out**2).mean() - 1.0 / 12.0))
    assert est == pytest.approx(sigma_dn, rel=0.03)
    assert 0.45 < (out == 0).mean() < 0.6


def test_shot_noise_variance_grows_with_signal_as_configured():
    full_well = 2000.0
    fx = CameraEffectsSpec("c", noise_seed=5, full_well=full_well)
    variances = {}
    for level in (60, 180):
        x = float(srgb_to_linear(level / 255.0))
        out = _lin(apply_camera_effects(_flat(level), fx, 1))
        variances[level] = out.var()
        assert out.mean() == pytest.approx(x, rel=0.01)
        assert out.var() == pytest.approx(x / full_well, rel=0.12)
    assert variances[180] > 3.0 * variances[60]


def test_exposure_plus_one_ev_doubles_linear_light():
    img = _flat(100)  # linear 0.127 -> 0.254 after +1 EV, no clipping
    out = apply_camera_effects(img, CameraEffectsSpec("c", exposure_ev=1.0), 0)
    assert _lin(out).mean() / _lin(img).mean() == pytest.approx(2.0, rel=0.01)
    down = apply_camera_effects(img, CameraEffectsSpec("c", exposure_ev=-1.0), 0)
    assert _lin(down).mean() / _lin(img).mean() == pytest.approx(0.5, rel=0.02)


def test_vignetting_darkens_corners_by_the_configured_ratio():
    strength = 0.3
    out = _lin(apply_camera_effects(_flat(200), CameraEffectsSpec("c", vignetting=strength), 0))
    h, w = out.shape[:2]
    centre = out[h // 2 - 1:h // 2 + 1, w // 2 - 1:w // 2 + 1].mean()
    for corner in (out[0, 0], out[0, -1], out[-1, 0], out[-1, -1]):
        assert corner.mean() / centre == pytest.approx(1.0 - strength, abs=0.01)
    # monotone fall-off along the diagonal
    diag = np.array([out[i, i].mean() for i in range(h // 2)])
    assert np.all(np.diff(diag) >= -1e-3)


def test_white_balance_gains_act_per_channel():
    gains = (1.2, 1.0, 0.8)
    img = _flat(120)
    out = _lin(apply_camera_effects(img, CameraEffectsSpec("c", wb_gains=gains), 0))
    ratio = out.reshape(-1, 3).mean(axis=0) / _lin(img).reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(ratio, gains, rtol=0.01)


@pytest.mark.parametrize("fx, kept", [(CameraEffectsSpec("c", defocus_sigma=1.0), 0.3),
                                      (CameraEffectsSpec("c", motion_length=4.0, motion_angle_deg=30.0), 0.6)],
                         ids=["defocus", "motion_blur"])
def test_blur_removes_high_frequencies_and_keeps_the_mean(fx, kept):
    """White noise loses most of its energy above 0.25 cycles/px (a streak blurs along one direction only)."""
    rng = np.random.default_rng(0)
    img = rng.integers(40, 216, (256, 256, 3), dtype=np.uint8)
    out = apply_camera_effects(img, fx, 0)

    def high_freq_energy(a):
        f = np.abs(np.fft.fft2(_lin(a) - _lin(a).mean(axis=(0, 1)), axes=(0, 1))) ** 2
        fy, fx_ = np.meshgrid(np.fft.fftfreq(a.shape[0]), np.fft.fftfreq(a.shape[1]), indexing="ij")
        return f[np.hypot(fy, fx_) > 0.25].sum()

    assert high_freq_energy(out) < kept * high_freq_energy(img)
    assert _lin(out).mean() == pytest.approx(_lin(img).mean(), rel=0.01)


def test_motion_blur_streaks_along_its_direction():
    img = np.zeros((256, 256, 3), np.uint8)
    img[128, 128] = 255
    for angle, axis in ((0.0, 1), (90.0, 0)):
        out = _lin(apply_camera_effects(img, CameraEffectsSpec("c", motion_length=8.0, motion_angle_deg=angle), 0))
        lit = np.argwhere(out[..., 0] > 1e-3)
        assert set(lit[:, 1 - axis]) == {128}  # a straight streak along the direction, one pixel wide
        assert lit[:, axis].max() - lit[:, axis].min() >= 7


@pytest.mark.parametrize("fx", [CameraEffectsSpec("c", defocus_sigma=1.5),
                                CameraEffectsSpec("c", motion_length=6.0, motion_angle_deg=0.0)],
                         ids=["defocus", "motion_blur"])
def test_pixel_sizes_scale_with_image_size(fx):
    """A blur stated at 256^2 spreads a dot twice as many pixels at 512^2."""
    spreads = []
    for n in (256, 512):
        img = np.zeros((n, n, 3), np.uint8)
        img[n // 2, n // 2] = 255
        out = _lin(apply_camera_effects(img, fx, 0))[..., 1]
        cols = out.sum(axis=0)
        x = np.arange(n)
        mean = (cols * x).sum() / cols.sum()
        spreads.append(np.sqrt((cols * (x - mean) ** 2).sum() / cols.sum()))
    assert spreads[1] / spreads[0] == pytest.approx(2.0, rel=0.1)


def test_srgb_round_trip():
    v = np.linspace(0, 1, 101)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(v)), v, atol=1e-12)


def test_rejects_non_uint8_rgb():
    with pytest.raises(ValueError, match="uint8"):
        apply_camera_effects(np.zeros((8, 8, 3), np.float32), CameraEffectsSpec("c", exposure_ev=0.5), 0)


@pytest.mark.parametrize("kwargs, key", [
    ({"exposure_ev": (0.5, -0.5)}, "scene.camera_effects.exposure_ev"),
    ({"full_well": (0.0, 100.0)}, "scene.camera_effects.full_well"),
    ({"read_noise_dn": (-1.0, 1.0)}, "scene.camera_effects.read_noise_dn"),
    ({"vignetting_strength": (0.1, 1.0)}, "scene.camera_effects.vignetting_strength"),
    ({"defocus_prob": 1.5}, "scene.camera_effects.defocus_prob"),
    ({"motion_blur_prob": -0.1}, "scene.camera_effects.motion_blur_prob"),
    ({"wb_blue_gain": (1.1, 0.9)}, "scene.camera_effects.wb_blue_gain"),
    ({"defocus_sigma": (0.5, 20.0)}, "scene.camera_effects.defocus_sigma"),
])
def test_config_validation_names_the_key(kwargs, key):
    with pytest.raises(ConfigError) as e:
        CameraEffectsConfig(**kwargs)
    assert e.value.key == key and key in str(e.value)


def test_loader_rejects_unknown_key_and_builds_nested_values():
    with pytest.raises(ConfigError, match="scene.camera_effects.blur"):
        from_dict(CameraEffectsConfig, {"blur": True}, prefix="scene.camera_effects.")
    cfg = from_dict(CameraEffectsConfig, {"exposure_ev": [-1, 1], "motion_blur": True}, prefix="scene.camera_effects.")
    assert cfg.exposure_ev == (-1.0, 1.0) and cfg.motion_blur


def test_sampling_is_deterministic_and_round_trips_through_json():
    cfg = CameraEffectsConfig(motion_blur=True, motion_blur_prob=1.0, defocus_prob=1.0)
    a = sample_camera_effects(cfg, CAMS, np.random.default_rng(42))
    b = sample_camera_effects(cfg, CAMS, np.random.default_rng(42))
    assert a == b and len(a) == len(CAMS)
    assert a != sample_camera_effects(cfg, CAMS, np.random.default_rng(43))
    assert len({s.noise_seed for s in a}) == len(CAMS)
    text = json.dumps([dataclasses.asdict(s) for s in a])
    back = tuple(from_dict(CameraEffectsSpec, d) for d in json.loads(text))
    assert back == a
    for s in a:
        assert cfg.full_well[0] <= s.full_well <= cfg.full_well[1]
        assert cfg.exposure_ev[0] <= s.exposure_ev <= cfg.exposure_ev[1]
        assert cfg.defocus_sigma[0] <= s.defocus_sigma <= cfg.defocus_sigma[1]
        assert cfg.motion_blur_length[0] <= s.motion_length <= cfg.motion_blur_length[1]
        r, g, bl = s.wb_gains
        assert 0.2126 * r + 0.7152 * g + 0.0722 * bl == pytest.approx(1.0)  # white keeps its luminance


def test_switching_one_effect_off_leaves_the_others_unchanged():
    rng_seed = 9
    on = sample_camera_effects(CameraEffectsConfig(), CAMS, np.random.default_rng(rng_seed))
    off = sample_camera_effects(CameraEffectsConfig(exposure=False, noise=False), CAMS, np.random.default_rng(rng_seed))
    for a, b in zip(on, off):
        assert b.exposure_ev == 0.0 and b.full_well == 0.0 and b.read_noise_dn == 0.0
        assert dataclasses.replace(a, exposure_ev=0.0, full_well=0.0, read_noise_dn=0.0, noise_seed=0) == b
    # a camera's effects do not depend on the cameras after it
    assert sample_camera_effects(CameraEffectsConfig(), CAMS[:1], np.random.default_rng(rng_seed))[0] == on[0]


def test_defaults_are_mild():
    """Default draws look like a decent camera, not a filter: mid grey gets 0.5-3 DN of noise, and a picture
    shifts by less than the +-0.3 EV exposure range's ~13 DN at mid grey plus a little vignetting."""
    img = _scene(256, 256)
    grey = _flat(118)
    for seed in range(4):
        for k, fx in enumerate(sample_camera_effects(CameraEffectsConfig(), CAMS, np.random.default_rng(seed))):
            patch = apply_camera_effects(grey, fx, k)[112:144, 112:144].astype(float)
            assert 0.5 < patch.std(axis=(0, 1)).max() < 3.0
            out = apply_camera_effects(img, fx, k).astype(float)
            assert abs(out.mean() - img.mean()) < 15.0
            assert np.median(np.abs(out - img)) < 15.0


def test_odd_sizes_and_all_effects_together():
    img = np.random.default_rng(2).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    fx = CameraEffectsSpec("c", noise_seed=4, full_well=5000.0, read_noise_dn=1.0, wb_gains=(1.05, 0.98, 0.97),
                           exposure_ev=0.2, vignetting=0.2, defocus_sigma=3.0, motion_length=6.0, motion_angle_deg=70.0)
    a = apply_camera_effects(img, fx, 2)
    assert a.shape == img.shape and a.dtype == np.uint8
    assert np.array_equal(a, apply_camera_effects(img, fx, 2))
    assert np.array_equal(img, np.random.default_rng(2).integers(0, 256, (37, 53, 3), dtype=np.uint8))  # input kept
