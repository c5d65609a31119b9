"""Packing the shards' staged videos into LeRobot's ``videos/<key>/chunk-c/file-f.mp4`` by remuxing:
packets are copied, never re-encoded; an episode never straddles two files, a file holds many shards."""

from __future__ import annotations

import os

from ....core.atomic import atomic_output
from ....core.errors import DatasetError
from ...video import CODEC_NAMES
from .layout import VIDEO_PATH, file_path, reading, video_rel
from .packing import Group, OutputFiles, Packer


def remux(out_path: str, inputs: list[tuple[str, int, int]], fps: float) -> None:
    """Concatenate MP4s ``inputs`` = [(path, frames, shard index)] by copying packets, shifting each input's
    timestamps by the frames before it; ``fps`` [Hz]."""
    import av

    with atomic_output(out_path) as tmp:
        with av.open(tmp, "w", format="mp4") as out:
            ostream = None
            offset_frames = 0
            for path, frames, k in inputs:
                with reading(path, k), av.open(path) as inp:
                    istream = inp.streams.video[0]
                    if ostream is None:
                        ostream = out.add_stream_from_template(istream, opaque=True)
                        tb = istream.time_base
                    elif istream.time_base != tb:
                        raise DatasetError(f"{path}: time base {istream.time_base} differs from {tb} of the earlier "
                                           "shards' videos, so they cannot be remuxed into one file; the shards were "
                                           "encoded with different writer.video_* settings: finalize only shards of "
                                           "one run, or regenerate the odd ones")
                    shift = int(round(offset_frames / fps / tb))
                    for packet in inp.demux(istream):
                        if packet.dts is None and packet.pts is None:
                            continue  # the demuxer's flush packet
                        if packet.pts is not None:
                            packet.pts += shift
                        if packet.dts is not None:
                            packet.dts += shift
                        packet.stream = ostream
                        out.mux(packet)
                offset_frames += frames


def video_hw(path: str) -> tuple[int, int]:
    """(height, width) [px] of a video's first stream."""
    import av

    with av.open(path) as f:
        s = f.streams.video[0]
        return s.codec_context.height, s.codec_context.width


def video_info(path: str, h: int, w: int, fps) -> dict:
    """The ``info`` of an RGB video feature in info.json (codec and pixel format read from ``path``)."""
    import av

    codec, pix_fmt = "unknown", "unknown"
    if path and os.path.isfile(path):
        with av.open(path) as f:
            s = f.streams.video[0]
            codec, pix_fmt = s.codec_context.codec.canonical_name, s.codec_context.pix_fmt or "yuv420p"
    return {
        "video.height": h,
        "video.width": w,
        "video.codec": CODEC_NAMES.get(codec, codec),
        "video.pix_fmt": pix_fmt,
        "video.is_depth_map": False,
        "video.fps": int(round(fps)) if fps else 10,
        "video.channels": 3,
        "has_audio": False,
    }


class VideoFiles:
    """One Packer per staged video key; ``shape``: key -> (height, width) [px] of its videos."""

    def __init__(self, out_dir: str, files: OutputFiles, keys: list[str], limit: float):
        self.out_dir, self.files, self.keys = out_dir, files, keys
        self.packers = {key: Packer(limit, self._flusher(key)) for key in keys}
        self.shape: dict[str, tuple[int, int]] = {}
        self.fps = 0.0

    def add(self, k: int, frames: int, fps: float) -> dict[str, tuple[int, float]]:
        """Shard ``k``'s videos (``frames`` each, at ``fps``): key -> (file number, where the shard starts in
        that file [s]), for the keys the shard has a video of."""
        self.fps = fps
        out = {}
        for key, packer in self.packers.items():
            path = os.path.join(self.out_dir, video_rel(key, k))
            if not os.path.isfile(path):
                continue
            size = os.path.getsize(path)
            n = packer.add((path, frames, k), size, f"{k}:{size};", frames)
            out[key] = (n, (packer.group.frames - frames) / fps)  # frames of earlier shards in the file
            if key not in self.shape:
                with reading(path, k):
                    self.shape[key] = video_hw(path)
        return out

    def close(self) -> None:
        for p in self.packers.values():
            p.close()

    def _flusher(self, key: str):
        def flush(g: Group) -> None:
            self.files.write(file_path(VIDEO_PATH, g.number, video_key=key), g.hash.hexdigest(),
                             lambda p: remux(p, list(g.parts), self.fps))
        return flush
