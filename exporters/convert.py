"""``syngrasp convert SRC DST``: re-write a folder's shards in another format (same shard numbering), then
finalize it. By default HDF5 shards become a LeRobot v3.0 dataset."""

from __future__ import annotations

from typing import Any

from ..core.errors import ConfigError, DatasetError
from .formats import Format, format_names, get_format, resolve

DEFAULT_TARGET = "lerobot"


def source_format(src: str, targets: tuple[str, ...] = ()) -> Format:
    """The format whose reader finds shards in ``src`` (when several do, the one not among ``targets``); none,
    or several, is a DatasetError."""
    found = [f for f in map(get_format, format_names()) if f.reader is not None and f.reader.shard_indices(src)]
    if len(found) > 1:
        found = [f for f in found if f.name not in targets] or found
    if len(found) != 1:
        what = "no shards of any format with a reader" if not found else \
            f"shards of {len(found)} formats ({', '.join(f.name for f in found)})"
        raise DatasetError(f"{src}: {what}; convert reads one format's shards: give a folder written by syngrasp "
                           "generate (or pass --from)")
    return found[0]


def convert(src: str, dst: str, cfg: Any, to: str | None = None, source: str | None = None) -> dict:
    """Read every shard of ``src`` with its format's reader (``source``, or the one found), write it with the
    writer of ``to`` (a ``writer.format`` value; default ``DEFAULT_TARGET``) into ``dst``, then run that
    format's finalize hook. ``cfg``: the run config (``cfg.writer`` configures the writer; ``cfg.to_dict()``
    is given to the writer as ``attrs["run_config"]`` and to the hook). Returns {format: finalize summary}."""
    targets = resolve(to or DEFAULT_TARGET)
    reader_fmt = get_format(source) if source else source_format(src, tuple(f.name for f in targets))
    if reader_fmt.reader is None:
        raise ConfigError("--from", f"format '{reader_fmt.name}' has no reader; formats with one: "
                                    f"{', '.join(n for n in format_names() if get_format(n).reader is not None)}")
    run_config = cfg.to_dict()
    indices = reader_fmt.reader.shard_indices(src)
    if not indices:
        raise DatasetError(f"{src}: no {reader_fmt.name} shards to convert")
    writers = [fmt.writer(dst, cfg.writer) for fmt in targets]
    for k in indices:
        episodes = reader_fmt.reader.read_shard(src, k)
        for w in writers:
            w.write(k, episodes, {"run_config": run_config, "shard_index": k})  # not a schema key: the writer's shard attrs
    return {fmt.name: fmt.finalize(dst, iter(indices), cfg.writer, run_config)
            for fmt in targets if fmt.finalize is not None}
