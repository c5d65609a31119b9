"""``syngrasp assets build`` and ``assets inspect``: the commands around a catalog folder.

Every name printed here (file paths, categories, reasons from a catalog.json someone else may
have written) goes through ``safe_text``, so escape codes in a file name print as text.
"""

from __future__ import annotations

import json
import os
import sys

from ..core.errors import AssetError, ConfigError
from ..core.text import safe_text


def add_read_limit_args(p) -> None:
    """The read-limit flags of ``assets build``; their defaults are ``assets.confine.ReadLimits``'s
    (None here keeps the CLI from importing the asset stack to build its parser)."""
    p.add_argument("--allow-outside-root", action="store_true",
                   help="also read files outside SRC (symlinks, ../ and absolute references); default: skipped with the reason")
    p.add_argument("--max-file-bytes", type=int, help="largest file read [bytes] (default 256 MiB)")
    p.add_argument("--max-triangles", type=int, help="most triangles in one mesh file (default 2,000,000)")
    p.add_argument("--max-texture-pixels", type=int,
                   help="most pixels (width x height) in one texture image, read from its header (default 8192x8192)")


def assets_build(args) -> int:
    from ..assets.confine import ReadLimits
    from ..assets.ingest import build_catalog_dir
    from ..generators.mujoco_backend.check import object_load_error

    given = {"max_bytes": args.max_file_bytes, "max_triangles": args.max_triangles,
             "max_texture_pixels": args.max_texture_pixels}
    limits = ReadLimits(allow_outside_root=args.allow_outside_root, **{k: v for k, v in given.items() if v is not None})
    os.makedirs(args.out, exist_ok=True)
    cat = build_catalog_dir(args.src, args.out, args.categories, max(1, args.workers), args.cache,
                            log=lambda m: print(safe_text(m), file=sys.stderr), size_mode=args.size_mode,
                            units=args.units, robot=args.robot,
                            load_check=None if args.no_load_check else object_load_error, limits=limits)
    refused = [r for r in cat["report"]["skipped"] if r["reason"].startswith(("outside the collection", "not a regular file",
                                                                              "too large", "texture too large"))]
    for r in refused[:10]:
        print(f"  skipped {safe_text(r['source'])}: {safe_text(r['reason'])}", file=sys.stderr)
    if len(refused) > 10:
        print(f"  ... {len(refused) - 10} more refused files: syngrasp assets inspect {safe_text(args.out)}", file=sys.stderr)
    return 0


def _load(catalog: str) -> dict:
    path = os.path.join(catalog, "catalog.json")
    if not os.path.isfile(path):
        raise ConfigError("catalog", f"{path} not found; build it with syngrasp assets build")
    try:
        with open(path) as f:
            cat = json.load(f)
    except (ValueError, OSError) as e:
        raise AssetError(f"{path}: not readable JSON ({type(e).__name__}: {e}); rebuild it with syngrasp assets build") from e
    if not isinstance(cat, dict) or not all(isinstance(cat.get(k), t) for k, t in
                                            (("report", dict), ("categories", dict), ("objects", list))):
        raise AssetError(f"{path}: not a catalog.json written by syngrasp assets build (report, categories or objects "
                         "missing); rebuild it with syngrasp assets build")
    return cat


def _rows(title: str, rows: list, n: int, text) -> None:
    if rows:
        print(title)
        for r in rows[:n]:
            print(f"  {safe_text(r.get('source', ''))}: {safe_text(text(r))}")


def assets_inspect(args) -> int:
    cat = _load(args.catalog)
    rep = cat["report"]
    try:
        distractors = rep.get("distractor_only", [])
        print(f"{int(rep['accepted'])} objects from {int(rep['files'])} files; {len(rep['repaired'])} repaired, "
              f"{len(distractors)} distractor-only, {len(rep['rejected'])} rejected, {len(rep.get('skipped', []))} skipped"
              f" (size mode {safe_text(cat.get('size_mode', 'category'))})")
        for name, c in sorted(cat["categories"].items(), key=lambda kv: -int(kv[1]["count"])):
            sr = c.get("size_range")
            size = f"size {float(sr[0]):.3f}-{float(sr[1]):.3f} m" if sr else "own sizes"
            print(f"  {safe_text(name):<16} {int(c['count']):>6}   {size}")
        print("objects (final extents [m], role):")
        for o in cat["objects"][:20]:
            lo = "x".join(f"{float(x):.3f}" for x in o.get("final_extents", [o["extents"]])[0])
            tex = " textured" if o.get("has_texture") else ""
            print(f"  {safe_text(o['id']):<24} {lo:<20} {safe_text(o.get('role', 'target'))}{tex}  "
                  f"{safe_text(o.get('role_reason', ''))}")
        _rows("distractor-only:", distractors, 10, lambda r: r["reason"])
        _rows("rejected (sample):", rep["rejected"], 10, lambda r: r["reason"])
        _rows("skipped (sample):", rep.get("skipped", []), 10, lambda r: r["reason"])
        _rows("repaired (sample):", rep["repaired"], 5, lambda r: "; ".join(r["notes"]))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise AssetError(f"{os.path.join(args.catalog, 'catalog.json')}: malformed ({type(e).__name__}: {e}); "
                         "rebuild it with syngrasp assets build") from e
    return 0
