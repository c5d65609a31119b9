"""Catalog build time for N procedural objects in 10 categories, cold and with the decomposition cache.

Usage: python benchmarks/assets.py [--per-category 100] [--workers 2]

Exports the procedural objects as OBJ files, builds a catalog from them with
``syngrasp assets build`` logic (validation, CoACD for concave shapes), then
builds again into the same folder, where every decomposition comes from cache.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from syngrasp.assets.ingest import build_catalog_dir, export_procedural


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-category", type=int, default=100)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "src"), os.path.join(tmp, "catalog")
        n = export_procedural(src, args.per_category)
        runs = []
        for label in ("cold", "cached"):
            t0 = time.perf_counter()
            cat = build_catalog_dir(src, out, workers=args.workers, log=lambda *_: None)
            runs.append(
                {
                    "build": label,
                    "seconds": round(time.perf_counter() - t0, 2),
                    "objects": cat["report"]["accepted"],
                    "categories": len(cat["categories"]),
                    "decompositions_from_cache": cat["report"]["decompositions_from_cache"],
                    "decomposed": sum(o["parts"] > 1 for o in cat["objects"]),
                }
            )
    print(json.dumps({"files": n, "workers": args.workers, "runs": runs, "speedup": round(runs[0]["seconds"] / runs[1]["seconds"], 1)}, indent=1))


if __name__ == "__main__":
    main()
