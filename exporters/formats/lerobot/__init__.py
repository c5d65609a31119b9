"""The LeRobot v3.0 format: shard writer, reader, config section and the finalize step.

    writer.py    one shard's staging files (videos, frames, per-episode stats and metadata)
    reader.py    a staged shard back as Episodes
    config.py    its config keys (``writer.video_*``, ``writer.*_files_size_in_mb``)
    finalize.py  the finalize orchestrator; its jobs: episodes.py (dense numbering, meta/episodes),
                 packing.py (data files), video.py (video remux), stats.py + state.py (mergeable,
                 incremental statistics), metadata.py (info.json, stats.json, tasks)
    plugin.py    the ``Format`` declaration

Importing this package imports none of them (pyarrow and PyAV load when a module is used).
"""
