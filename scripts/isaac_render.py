"""Re-render an episode exported by ``syngrasp export-usd`` with Isaac Sim's RTX renderer.

UNTESTED: this script has never been run. It needs NVIDIA Isaac Sim (4.x, its
own Python: ``./python.sh scripts/isaac_render.py ep.usd --out frames/``) and an
RTX GPU, neither of which the machines this project is built on have. It is a
starting point, not a supported path.

What it does: opens the stage, makes one render product per camera under
/World/cameras at the resolution recorded in ``syngrasp:resolution``, and for
every time code (= recorded frame) of the stage advances the timeline and
writes an RGB image per camera with Replicator's BasicWriter.
"""

from __future__ import annotations

import argparse


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("usd", help="stage written by syngrasp export-usd")
    p.add_argument("--out", required=True, help="folder for the rendered frames")
    p.add_argument("--subframes", type=int, default=4, help="RTX subframes per frame (path-tracing convergence)")
    args = p.parse_args()

    from isaacsim import SimulationApp  # Isaac Sim's Python only

    app = SimulationApp({"headless": True, "renderer": "RayTracedLighting"})
    import omni.replicator.core as rep
    import omni.timeline
    import omni.usd
    from pxr import UsdGeom

    ctx = omni.usd.get_context()
    ctx.open_stage(args.usd)
    stage = ctx.get_stage()
    fps = stage.GetTimeCodesPerSecond()
    products = []
    for prim in stage.GetPrimAtPath("/World/cameras").GetChildren():
        if not prim.IsA(UsdGeom.Camera):
            continue
        w, h = prim.GetAttribute("syngrasp:resolution").Get()
        products.append(rep.create.render_product(str(prim.GetPath()), (int(w), int(h))))
    writer = rep.WriterRegistry.get("BasicWriter")
    writer.initialize(output_dir=args.out, rgb=True)
    writer.attach(products)
    timeline = omni.timeline.get_timeline_interface()
    for t in range(int(stage.GetStartTimeCode()), int(stage.GetEndTimeCode()) + 1):
        timeline.set_current_time(t / fps)
        rep.orchestrator.step(rt_subframes=args.subframes)
    rep.orchestrator.wait_until_complete()
    app.close()


if __name__ == "__main__":
    main()
