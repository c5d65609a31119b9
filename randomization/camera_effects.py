"""Camera realism: per-episode, per-camera sensor and optics parameters (config section ``scene.camera_effects``).

Pure data, no simulator. ``sample_camera_effects`` draws one ``CameraEffectsSpec`` per camera;
``generators.camera_effects.apply_camera_effects`` applies a spec to each rendered frame.

Units: light levels are linear-light fractions of full scale (0 black, 1 white); pixel sizes
(blur sigma, streak length) are stated for a 256x256 image and scale with the image's
geometric-mean side; exposure in stops (EV); noise in electrons and 8-bit digital numbers (DN).

The defaults model a mild, realistic RGB camera such as the colour imager of an Intel
RealSense D435 (1920x1080 rolling-shutter CMOS, auto exposure and white balance, fixed
focus) delivering 256x256 frames. Downscaling averages several native pixels into one, so
noise and blur at 256^2 are much weaker than at the native resolution: the defaults keep
noise near 1-2 DN at mid grey, colour casts and exposure errors barely noticeable side by
side, and any blur sub-pixel to ~1 px. Motion blur is off by default: frames are 10 Hz
stills of a slow arm taken with short indoor exposures.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core.dataconf import check_range
from ..core.errors import ConfigError
from ..core.scene import CameraEffectsSpec

_KEY = "scene.camera_effects"


@dataclasses.dataclass(frozen=True)
class CameraEffectsConfig:
    """Which camera effects are drawn, and from which (min, max) ranges; one switch per effect.

    Attributes:
        enabled: master switch; when false every camera gets the identity spec (frames untouched).
            None (default) follows the render engine (``randomization.config.resolve_realism``):
            on with Filament, off with the classic engine.
        noise: sensor noise (shot + read noise), fresh per frame.
        full_well: (min, max) electrons collected by a 256^2 output pixel at linear full scale.
            Shot-noise variance is ``x / full_well`` in linear units. 4,000-20,000 e- gives
            about 2.0-0.9 DN of noise at mid grey (linear 0.18, sRGB 118): the level of a
            D435 colour frame in a lit lab after downscaling to 256^2.
        read_noise_dn: (min, max) read-noise sigma [DN] as it shows in the blacks of the 8-bit
            sRGB output (where the sRGB curve is linear); signal-independent.
        white_balance: per-channel gain error of the camera's auto white balance.
        wb_red_gain / wb_blue_gain: (min, max) linear gain on red and on blue relative to
            green; the three gains are then scaled to keep white's luminance. +-6 % on each is
            roughly a +-300-500 K colour-temperature error around 5,000 K.
        exposure: auto-exposure error.
        exposure_ev: (min, max) exposure offset [stops]; +1 doubles linear intensity.
            +-0.3 EV is a typical auto-exposure settling error.
        vignetting: radial light fall-off left after the camera's lens-shading correction.
        vignetting_strength: (min, max) fraction of light lost at the image corners
            (0 none, 0.2: corners get 80 % of the centre's light), with a cos^4-law profile.
        defocus: lens blur (fixed-focus lens, depth of field, demosaicing softness).
        defocus_prob: probability that a camera is blurred in an episode.
        defocus_sigma: (min, max) Gaussian blur sigma [px at 256^2]; renders are pixel-sharp,
            a real camera is not, and 0.3-1.0 px is what a downscaled D435 frame shows.
        motion_blur: straight-line motion streaks (camera shake, long exposures). Off by default.
        motion_blur_prob: probability that a camera is streaked in an episode.
        motion_blur_length: (min, max) streak length [px at 256^2]; the direction is uniform.
    """

    enabled: bool | None = None
    noise: bool = True
    full_well: tuple[float, float] = (4000.0, 20000.0)
    read_noise_dn: tuple[float, float] = (0.3, 1.2)
    white_balance: bool = True
    wb_red_gain: tuple[float, float] = (0.94, 1.06)
    wb_blue_gain: tuple[float, float] = (0.94, 1.06)
    exposure: bool = True
    exposure_ev: tuple[float, float] = (-0.3, 0.3)
    vignetting: bool = True
    vignetting_strength: tuple[float, float] = (0.05, 0.2)
    defocus: bool = True
    defocus_prob: float = 0.5
    defocus_sigma: tuple[float, float] = (0.3, 1.0)
    motion_blur: bool = False
    motion_blur_prob: float = 0.5
    motion_blur_length: tuple[float, float] = (1.0, 4.0)

    def __post_init__(self):
        check_range(f"{_KEY}.full_well", *self.full_well, min_value=10.0)
        check_range(f"{_KEY}.read_noise_dn", *self.read_noise_dn, min_value=0.0)
        check_range(f"{_KEY}.wb_red_gain", *self.wb_red_gain, min_value=0.25)
        check_range(f"{_KEY}.wb_blue_gain", *self.wb_blue_gain, min_value=0.25)
        check_range(f"{_KEY}.exposure_ev", *self.exposure_ev, min_value=-4.0)
        check_range(f"{_KEY}.vignetting_strength", *self.vignetting_strength, min_value=0.0)
        check_range(f"{_KEY}.defocus_sigma", *self.defocus_sigma, min_value=0.0)
        check_range(f"{_KEY}.motion_blur_length", *self.motion_blur_length, min_value=0.0)
        for key, hi in (("wb_red_gain", self.wb_red_gain[1]), ("wb_blue_gain", self.wb_blue_gain[1])):
            if hi > 4.0:
                raise ConfigError(f"{_KEY}.{key}", f"max {hi} > 4; white-balance gains near 1 are realistic")
        if self.exposure_ev[1] > 4.0:
            raise ConfigError(f"{_KEY}.exposure_ev", f"max {self.exposure_ev[1]} > 4 stops; use a smaller range")
        if self.vignetting_strength[1] >= 1.0:
            raise ConfigError(f"{_KEY}.vignetting_strength", "max must be < 1 (1 would black out the corners)")
        if self.defocus_sigma[1] > 8.0:
            raise ConfigError(f"{_KEY}.defocus_sigma", f"max {self.defocus_sigma[1]} px > 8 px; use a smaller sigma")
        if self.motion_blur_length[1] > 32.0:
            raise ConfigError(f"{_KEY}.motion_blur_length", f"max {self.motion_blur_length[1]} px > 32 px; "
                              "use a shorter streak")
        for key in ("defocus_prob", "motion_blur_prob"):
            p = getattr(self, key)
            if not 0.0 <= p <= 1.0:
                raise ConfigError(f"{_KEY}.{key}", f"{p} is outside [0, 1]")


def _lerp(lo_hi: tuple[float, float], t: float) -> float:
    return float(lo_hi[0] + (lo_hi[1] - lo_hi[0]) * t)


_DRAWS_PER_CAMERA = 11  # fixed, so that switching one effect leaves the others' draws unchanged


def sample_camera_effects(
    cfg: CameraEffectsConfig, camera_names: tuple[str, ...] | list[str], rng: np.random.Generator
) -> tuple[CameraEffectsSpec, ...]:
    """One CameraEffectsSpec per camera, in the order of ``camera_names``.

    Each camera draws from its own child generator (``rng.spawn``) a fixed block of numbers, so
    a camera's effects do not depend on how many cameras follow it, and switching one effect
    off leaves every other effect's values unchanged. When ``cfg.enabled`` is false the specs
    are the identity and ``rng`` is not used.
    """
    if cfg.enabled is False:  # None (unresolved, used without a run config): the default engine's choice, on
        return tuple(CameraEffectsSpec(str(name)) for name in camera_names)
    out = []
    for name, child in zip(camera_names, rng.spawn(len(camera_names))):
        u = child.random(_DRAWS_PER_CAMERA)
        seed = int(child.integers(0, 2**31 - 1))
        gains = (1.0, 1.0, 1.0)
        if cfg.white_balance:
            r, b = _lerp(cfg.wb_red_gain, u[2]), _lerp(cfg.wb_blue_gain, u[3])
            lum = 0.2126 * r + 0.7152 + 0.0722 * b
            gains = (r / lum, 1.0 / lum, b / lum)
        out.append(CameraEffectsSpec(
            camera=str(name),
            noise_seed=seed if cfg.noise else 0,
            full_well=_lerp(cfg.full_well, u[0]) if cfg.noise else 0.0,
            read_noise_dn=_lerp(cfg.read_noise_dn, u[1]) if cfg.noise else 0.0,
            wb_gains=gains,
            exposure_ev=_lerp(cfg.exposure_ev, u[4]) if cfg.exposure else 0.0,
            vignetting=_lerp(cfg.vignetting_strength, u[5]) if cfg.vignetting else 0.0,
            defocus_sigma=_lerp(cfg.defocus_sigma, u[7]) if cfg.defocus and u[6] < cfg.defocus_prob else 0.0,
            motion_length=(_lerp(cfg.motion_blur_length, u[9])
                           if cfg.motion_blur and u[8] < cfg.motion_blur_prob else 0.0),
            motion_angle_deg=float(360.0 * u[10]) if cfg.motion_blur and u[8] < cfg.motion_blur_prob else 0.0,
        ))
    return tuple(out)
