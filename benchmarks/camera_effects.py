"""Cost of each camera effect per frame, and a before/after sheet for visual QA.

Usage: python benchmarks/camera_effects.py [--size 256] [--frames 200] [--image FRAME.png] [--sheet fx_sheet.png]

Times ``apply_camera_effects`` on one core (float32, this process) for each effect alone at a mid-range
default-config value, then all default effects together (motion blur, off by default, is timed alone and
in "all+motion"). Each figure is the best of 5 runs of ``--frames`` frames (time.perf_counter), so that
other load on a shared machine inflates it less; all are measured within one run, so compare them.
``--sheet`` writes one row per input image: the input, each effect alone, and all default effects,
at the default config's mid-range strengths (motion blur at its mid length).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
from PIL import Image, ImageDraw

from syngrasp.generators.camera_effects import apply_camera_effects
from syngrasp.core.scene import CameraEffectsSpec
from syngrasp.randomization.camera_effects import CameraEffectsConfig


def _mid(lo_hi: tuple[float, float]) -> float:
    return 0.5 * (lo_hi[0] + lo_hi[1])


def effect_specs(cfg: CameraEffectsConfig) -> dict[str, CameraEffectsSpec]:
    """One spec per effect alone at the middle of its configured range, "all" (default switches) and "all+motion"."""
    # mid-range gains are 1; take a typical draw instead: red at 3/4 of its span, blue at 1/4 (a warm cast)
    r = cfg.wb_red_gain[0] + 0.75 * (cfg.wb_red_gain[1] - cfg.wb_red_gain[0])
    b = cfg.wb_blue_gain[0] + 0.25 * (cfg.wb_blue_gain[1] - cfg.wb_blue_gain[0])
    lum = 0.2126 * r + 0.7152 + 0.0722 * b
    one = {
        "noise": dict(noise_seed=1, full_well=_mid(cfg.full_well), read_noise_dn=_mid(cfg.read_noise_dn)),
        "white_balance": dict(wb_gains=(r / lum, 1.0 / lum, b / lum)),
        "exposure": dict(exposure_ev=cfg.exposure_ev[1] * 0.5),
        "vignetting": dict(vignetting=_mid(cfg.vignetting_strength)),
        "defocus": dict(defocus_sigma=_mid(cfg.defocus_sigma)),
        "motion_blur": dict(motion_length=_mid(cfg.motion_blur_length), motion_angle_deg=30.0),
    }
    specs = {name: CameraEffectsSpec("bench", **kw) for name, kw in one.items()}
    all_kw = {k: v for name, kw in one.items() if name != "motion_blur" and getattr(cfg, name) for k, v in kw.items()}
    specs["all"] = CameraEffectsSpec("bench", **all_kw)
    specs["all+motion"] = dataclasses.replace(specs["all"], **one["motion_blur"])
    return specs


def time_ms(img: np.ndarray, fx: CameraEffectsSpec, frames: int, repeats: int = 5) -> float:
    """Best-of-``repeats`` mean time per frame [ms] over ``frames`` frames."""
    apply_camera_effects(img, fx, 0)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for k in range(frames):
            apply_camera_effects(img, fx, k)
        best = min(best, (time.perf_counter() - t0) / frames * 1e3)
    return best


def test_image(size: int) -> np.ndarray:
    """A procedural photo-like frame: smooth colour ramps, a bright disc, a dark bar, fine stripes."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.stack([40 + 150 * xx, 60 + 120 * yy, 90 + 30 * (xx + yy)], axis=-1)
    img[(yy - 0.33) ** 2 + (xx - 0.33) ** 2 < 0.03] = (230, 220, 200)
    img[(yy > 0.7) & (yy < 0.8) & (xx > 0.25) & (xx < 0.75)] = (20, 25, 30)
    stripes = (yy > 0.12) & (yy < 0.25) & (xx > 0.6) & (xx < 0.9)
    img[stripes] = np.where((np.floor(xx * size / 2) % 2)[stripes, None] > 0, 200, 50)
    return np.rint(img).astype(np.uint8)


def sheet(images: list[np.ndarray], specs: dict[str, CameraEffectsSpec]) -> Image.Image:
    names = ["input", "noise", "white_balance", "exposure", "vignetting", "defocus", "motion_blur", "all"]
    h, w = images[0].shape[:2]
    out = Image.new("RGB", (w * len(names), (h + 14) * len(images)), "black")
    d = ImageDraw.Draw(out)
    for row, img in enumerate(images):
        for col, name in enumerate(names):
            im = img if name == "input" else apply_camera_effects(img, specs[name], 0)
            out.paste(Image.fromarray(im), (col * w, row * (h + 14)))
            d.text((col * w + 2, row * (h + 14) + h + 1), name, fill=(255, 255, 255))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=256, help="square frame side [px] for the timings")
    ap.add_argument("--frames", type=int, default=200, help="frames per timing run")
    ap.add_argument("--image", action="append", default=[], help="PNG frame(s) for the sheet (default: procedural)")
    ap.add_argument("--sheet", default="", help="write the before/after sheet to this PNG")
    args = ap.parse_args(argv)
    cfg = CameraEffectsConfig()
    specs = effect_specs(cfg)
    img = test_image(args.size)
    print(f"apply_camera_effects, {args.size}x{args.size} uint8 RGB, best of 5 x {args.frames} frames, ms/frame")
    for name, fx in specs.items():
        print(f"  {name:14s} {time_ms(img, fx, args.frames):6.3f}")
    if args.sheet:
        images = [np.asarray(Image.open(p).convert("RGB")) for p in args.image] or [img]
        sheet(images, specs).save(args.sheet)
        print(f"sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
