"""Output formats as plugins: the registry of name -> ``Format`` (writer, reader, config section, finalize hook).

A format is one folder (a built-in under ``exporters/formats/<name>/``, or any installed module)
that declares a ``Format``:

    writer    a ShardWriter subclass (exporters/base.py): names shard k's files and writes them; the
              base class publishes them atomically
    reader    optional ShardReader: shard k of a folder back as Episodes (``syngrasp convert`` reads
              with it)
    config    optional frozen dataclass: the format's config section (see ``Format.settings``)
    finalize  optional hook ``finalize(out_dir, shard_indices, options, run_config) -> dict | None``,
              run once after every shard is complete (by the run driver and ``syngrasp finalize``):
              ``shard_indices`` the complete shards in increasing order (an iterable, read once),
              ``options`` the ``writer`` config section, ``run_config`` the run's config as plain data
              (what every shard's writer got as ``attrs["run_config"]``); it returns a JSON-able
              summary of what it wrote

Built-in formats are registered lazily by module name (``BUILTINS``): naming one imports nothing
until its writer is used. Third-party formats are found through the entry-point group
``syngrasp.writers`` of the installed distributions (importlib.metadata): the entry point's name is
the format's name, its object the ``Format``::

    # pyproject.toml of the plugin's distribution
    [project.entry-points."syngrasp.writers"]
    parquet = "my_plugin.format:FORMAT"

``writer.format`` names one format, an alias (``ALIASES``: ``both`` = hdf5 and lerobot) or several,
comma-separated (``hdf5,lerobot``). Nothing outside this registry names a format.
"""

from __future__ import annotations

import dataclasses
import importlib
from importlib import metadata
from typing import Any, Callable, Iterable, Mapping, Protocol

from ...core.dataconf import from_dict
from ...core.episode import Episode
from ...core.errors import ConfigError, PluginError

ENTRY_POINT_GROUP = "syngrasp.writers"
# built-in format -> module (relative to this package) whose ``FORMAT`` declares it
BUILTINS: dict[str, str] = {"hdf5": ".hdf5.plugin", "lerobot": ".lerobot.plugin"}
# alias -> the formats it stands for
ALIASES: dict[str, tuple[str, ...]] = {"both": ("hdf5", "lerobot")}
OPTIONS_KEY = "writer.options"  # where a format without built-in keys keeps its config section


class ShardReader(Protocol):
    """Reads the shards one format wrote in a folder back as Episodes."""

    def shard_indices(self, root: str) -> list[int]:
        """Indices of this format's shards in ``root``, increasing; raises DatasetError for a shard that
        cannot be read (before anything is converted)."""

    def read_shard(self, root: str, shard_index: int) -> list[Episode]:
        """Every episode of shard ``shard_index``, in generation order."""


Finalize = Callable[[str, Iterable[int], Any, Mapping[str, Any]], "dict | None"]


@dataclasses.dataclass(frozen=True)
class Format:
    """One output format (see the module docstring for each part)."""

    name: str
    writer: type
    reader: ShardReader | None = None
    config: type | None = None
    finalize: Finalize | None = None
    doc: str = ""

    def settings(self, options: Any) -> Any:
        """This format's config section, from the ``writer`` config section ``options``: ``options`` itself
        when it holds the section's keys (the built-ins' keys sit directly under ``writer.``), else the
        mapping ``writer.options.<name>`` read into ``config`` (defaults where absent); None without ``config``."""
        if self.config is None:
            return None
        if isinstance(options, self.config):
            return options
        section = (getattr(options, "options", None) or {}).get(self.name, {})
        return from_dict(self.config, dict(section), prefix=f"{OPTIONS_KEY}.{self.name}.")


_REGISTERED: dict[str, Format] = {}  # formats registered in code (register_format)
_LOADED: dict[str, tuple[str, Format]] = {}  # entry-point format -> (its entry point's value, the Format loaded)


def register_format(fmt: Format) -> Format:
    """Register ``fmt`` in this process (formats in installed distributions use the entry-point group
    instead); a name that is taken is a PluginError."""
    if not isinstance(fmt, Format):
        raise PluginError(f"register_format got {type(fmt).__name__}, not a syngrasp Format")
    if fmt.name in _REGISTERED or fmt.name in BUILTINS or fmt.name in ALIASES:
        raise PluginError(f"format '{fmt.name}' is already registered; give the plugin another name")
    _REGISTERED[fmt.name] = fmt
    return fmt


def _entry_points() -> dict[str, metadata.EntryPoint]:
    """Entry points of the group, by name (read afresh: a plugin installed since is found)."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep.dist, "name", "?")
        if ep.name in BUILTINS or ep.name in ALIASES or ep.name in _REGISTERED:
            raise PluginError(f"entry point '{ep.name}' of distribution '{dist}' (group {ENTRY_POINT_GROUP}) "
                              "reuses a built-in or registered format name; rename the plugin's entry point")
        if ep.name in found and found[ep.name].value != ep.value:
            raise PluginError(f"format '{ep.name}' is declared by two distributions ('{dist}': {ep.value}, and "
                              f"{found[ep.name].value}); uninstall one of them")
        found[ep.name] = ep
    return found


def format_names() -> tuple[str, ...]:
    """Every registered format name (built-in, registered in code, installed plugins), sorted."""
    return tuple(sorted({*BUILTINS, *_REGISTERED, *_entry_points()}))


def _unknown(name: str) -> ConfigError:
    aliases = ", ".join(f"{a} = {'+'.join(v)}" for a, v in sorted(ALIASES.items()))
    return ConfigError("writer.format", f"unknown format '{name}'; registered formats: {', '.join(format_names())} "
                                        f"(aliases: {aliases}); a plugin format must be installed "
                                        f"(entry-point group {ENTRY_POINT_GROUP})")


def format_spec(spec: str) -> tuple[str, ...]:
    """The format names ``spec`` (a ``writer.format`` value) stands for, aliases expanded, each once, in
    order; an unknown name is a ConfigError naming ``writer.format`` and the registered formats. Imports
    no plugin module (a built-in or registered name is checked without the entry points)."""
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError("writer.format", f"{spec!r} names no format; registered formats: {', '.join(format_names())}")
    names: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        for name in ALIASES.get(part, (part,)):
            if name not in BUILTINS and name not in _REGISTERED and name not in _entry_points():
                raise _unknown(name)
            if name not in names:
                names.append(name)
    return tuple(names)


def get_format(name: str) -> Format:
    """The Format registered as ``name`` (its module is imported now); unknown: ConfigError."""
    if name in BUILTINS:
        return importlib.import_module(BUILTINS[name], __name__).FORMAT
    if name in _REGISTERED:
        return _REGISTERED[name]
    ep = _entry_points().get(name)
    if ep is None:
        raise _unknown(name)
    if name not in _LOADED or _LOADED[name][0] != ep.value:
        _LOADED[name] = (ep.value, _load(ep))
    return _LOADED[name][1]


def _load(ep: metadata.EntryPoint) -> Format:
    dist = getattr(ep.dist, "name", "?")
    where = f"entry point '{ep.name} = {ep.value}' of distribution '{dist}' (group {ENTRY_POINT_GROUP})"
    try:
        fmt = ep.load()
    except Exception as e:  # a third party's import error: name the plugin, keep the cause chained
        raise PluginError(f"{where} fails to load ({type(e).__name__}: {e}); fix or uninstall the plugin") from e
    if not isinstance(fmt, Format):
        raise PluginError(f"{where} is a {type(fmt).__name__}, not a syngrasp.exporters.formats.Format; "
                          "point the entry point at the module's Format object")
    if fmt.name != ep.name:
        raise PluginError(f"{where} declares the format '{fmt.name}'; give the entry point the format's name")
    return fmt


def resolve(spec: str) -> tuple[Format, ...]:
    """The Formats of a ``writer.format`` value, in order (see ``format_spec``)."""
    return tuple(get_format(n) for n in format_spec(spec))
