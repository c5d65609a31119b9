"""Where the LeRobot format's files go: the shards' staging files and the finalized v3.0 layout.

Per shard k (writer.py), published atomically:

    syngrasp/videos/<camera key>/shard-k.mp4   every episode of the shard, back to back
    syngrasp/frames/shard-k.parquet            per-frame columns (schema metadata ``syngrasp``: robot)
    syngrasp/stats/shard-k.json                per-camera colour, depth-code and instance-id histograms
    syngrasp/episodes/shard-k.parquet          per-episode metadata and stats columns (written last)

Finalized (finalize.py): ``DATA_PATH``, ``VIDEO_PATH``, ``EPISODES_PATH``, ``SIDE_PATH`` (file n of a
kind is chunk n // CHUNKS_SIZE, file n % CHUNKS_SIZE), ``meta/info.json``, ``meta/stats.json``,
``meta/tasks.parquet`` and the incremental state ``STATE_JSON`` / ``STATE_NPZ``.
"""

from __future__ import annotations

import contextlib
import os

from ....core import schema
from ....core.errors import DatasetError, SyngraspError
from ....core.layout import shard_file

CODEBASE_VERSION = "v3.0"
CHUNKS_SIZE = 1000
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
SIDE_PATH = "meta/syngrasp/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
INFO_JSON = "meta/info.json"
STATS_JSON = "meta/stats.json"
TASKS_PARQUET = "meta/tasks.parquet"
STATE_JSON = "meta/syngrasp/finalize_state.json"
STATE_NPZ = "meta/syngrasp/finalize_state.npz"
STAGING = "syngrasp"
EPISODES_PER_META_FILE = 50_000

# LeRobot's own per-frame columns, numbered at finalize (they are no syngrasp schema keys: core/schema has none)
INDEX_FEATURES = {
    "timestamp": "float32",
    "frame_index": "int64",
    "episode_index": "int64",  # not a schema key: LeRobot's dense episode number (the meta key is source_episode_index)
    "index": "int64",
    "task_index": "int64",
}
TIMESTAMP, FRAME_INDEX, EPISODE_INDEX, INDEX, TASK_INDEX = INDEX_FEATURES
NUMBERING = (EPISODE_INDEX, INDEX, TASK_INDEX)  # depend on the dense numbering: recomputed each finalize
# staging column of the frames and episodes tables: the generation index (the side column of meta episode_index)
SOURCE_EPISODE_INDEX = schema.meta_key(schema.EPISODE_INDEX).side

# LeRobot's own meta/episodes columns (also columns of the shards' episodes tables: LENGTH)
LENGTH = "length"  # frames of the episode
TASKS = "tasks"  # the episode's task texts
DATASET_FROM_INDEX, DATASET_TO_INDEX = "dataset_from_index", "dataset_to_index"  # its frames' global index range
FILE_COLUMNS = "{kind}/chunk_index", "{kind}/file_index"  # where a kind (data, videos/<key>, meta/episodes) is
VIDEO_SPAN = "videos/{key}/from_timestamp", "videos/{key}/to_timestamp"  # the episode in its video file [s]
# syngrasp's staging column per camera: where its episode starts in the shard's staged video [s]
VIDEO_FROM_TIMESTAMP = "video.{cam}.from_timestamp"


def file_path(template: str, n: int, **kw) -> str:
    """File ``n`` of a packed kind (``DATA_PATH``, ...), relative to the dataset root."""
    return template.format(chunk_index=n // CHUNKS_SIZE, file_index=n % CHUNKS_SIZE, **kw)


def video_rel(key: str, shard_index: int) -> str:
    """Shard ``shard_index``'s staged video of feature ``key`` (finalize packs them into videos/)."""
    return f"{STAGING}/videos/{key}/{shard_file(shard_index, '.mp4')}"


def staging_rel(kind: str, shard_index: int) -> str:
    """Shard ``shard_index``'s staging file of ``kind``: ``frames``, ``stats`` or ``episodes``."""
    ext = ".json" if kind == "stats" else ".parquet"
    return f"{STAGING}/{kind}/{shard_file(shard_index, ext)}"


def staged_video_keys(out_dir: str) -> list[str]:
    """Feature keys with staged videos in ``out_dir``, sorted."""
    root = os.path.join(out_dir, STAGING, "videos")
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


@contextlib.contextmanager
def reading(path: str, shard_index: int):
    """Turns a failure to read shard ``shard_index``'s staged file ``path`` (missing, truncated, not the format
    it should be) into a DatasetError naming the file and the fix."""
    import av
    import pyarrow as pa

    try:
        yield
    except SyngraspError:
        raise
    except (FileNotFoundError, ValueError, KeyError, TypeError, IndexError, EOFError, pa.ArrowException,
            av.FFmpegError) as e:
        raise DatasetError(
            f"{path}: shard {shard_index}'s staged file cannot be read ({type(e).__name__}: {e}); run the run's "
            "`syngrasp generate` command again on this folder (resuming regenerates every shard whose files no "
            "longer match their record), then `syngrasp finalize`") from e
