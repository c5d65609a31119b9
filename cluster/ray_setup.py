"""Joining or starting Ray, and the checks that turn would-be hangs into clear errors.

``init_ray`` decides which Ray instance a run uses:

* no address: a new private local instance (``address="local"``), even
  where ``RAY_ADDRESS`` is set or a cluster already runs on this machine, so a
  plain ``syngrasp generate`` never attaches to someone else's cluster. ``PRIVATE_RAY``: no
  dashboard, no metrics collection, node address 127.0.0.1 (so Ray's metrics servers bind loopback), and
  token authentication on (``RAY_AUTH_MODE`` from the environment is dropped, so Ray's default for a
  new local instance, a token, applies). Ray 2.60's
  gRPC servers still listen on every interface (no setting changes that); the token guards them;
* ``--address auto`` (what ``ray submit`` uses) or ``HOST:PORT``: join that
  cluster, leaving its CPU and GPU counts alone.

``check_cluster`` runs before the first task is submitted: a per-task request
that no node (alive or launchable by the autoscaler) can hold exits 2 naming
``cluster.num_cpus`` / ``cluster.num_gpus``, instead of Ray waiting forever on
an "infeasible" task; and a local ``--out`` on a cluster of several machines
is refused, since each worker would write its shards to its own disk.
"""

from __future__ import annotations

import os

import ray
import yaml

from .config import RunSettings
from ..core.errors import ConfigError


PRIVATE_RAY = dict(
    _node_ip_address="127.0.0.1",  # GCS, raylet and object manager listen on loopback only
    include_dashboard=False,
    _system_config={"enable_metrics_collection": False},  # no metrics agent export (unauthenticated HTTP)
)


def init_ray(address: str | None, workers: int | None, cfg: RunSettings) -> bool:
    """Connect this process to Ray; return True when this call started it (the caller shuts it down).

    Args:
        address: None for a private local instance with ``workers`` CPUs (default: all
            cores); ``"auto"`` or ``"HOST:PORT"`` to join a running cluster.
        workers: CPUs of a private local instance; ignored when joining a cluster.
        cfg: run config; ``cluster.object_store_mb`` sizes a private instance's store.
    """
    if ray.is_initialized():
        return False
    common = dict(log_to_driver=False, configure_logging=False)
    if address is None:
        # unset, a new local Ray (2.5x+) turns token auth on for itself and its workers; "disabled" would not
        os.environ.pop("RAY_AUTH_MODE", None)
        from ray._private import services

        # ray.init swaps a loopback node address for the machine's reachable one; keep 127.0.0.1, as
        # `ray start --node-ip-address=127.0.0.1` does, so that the dashboard's and the autoscaler's
        # Prometheus servers (fixed ports 44227, 44217, no authentication) bind to loopback only
        resolve = services.resolve_ip_for_localhost
        services.resolve_ip_for_localhost = lambda host: host
        try:
            ray.init(
                address="local",  # a new instance: never RAY_ADDRESS, never a cluster found on this machine
                num_cpus=workers or os.cpu_count(),
                object_store_memory=cfg.cluster.object_store_mb * 1024 * 1024,
                **PRIVATE_RAY,
                **common,
            )
        finally:
            services.resolve_ip_for_localhost = resolve
    else:
        try:
            ray.init(address=address, **common)  # the cluster's own resources; no num_cpus/num_gpus
        except ConnectionError as e:
            raise ConfigError("--address", f"no Ray cluster at '{address}' ({e}); start one with ray up or ray start") from e
    return True


def _node_groups() -> list[tuple[dict[str, float], int]]:
    """(resources, max count) of each node type the autoscaler knows; max count -1 is unlimited.

    From the GCS when the autoscaler reported its config there, else from the config that
    ``ray up`` left on the head (``$SYNGRASP_AUTOSCALER_CONFIG``, default
    ``~/ray_bootstrap_config.yaml``): there the head type counts its own node. Empty when
    neither exists (a cluster started by hand with ``ray start``).
    """
    try:
        from ray._private.state import state

        cfg = state.get_cluster_config()
    except Exception:  # an older GCS without it
        cfg = None
    if cfg is not None and cfg.node_group_configs:
        return [(dict(g.resources), int(g.max_count)) for g in cfg.node_group_configs]
    path = os.environ.get("SYNGRASP_AUTOSCALER_CONFIG") or os.path.expanduser("~/ray_bootstrap_config.yaml")
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        boot = yaml.safe_load(f) or {}
    head = boot.get("head_node_type")
    return [
        (dict(t.get("resources") or {}), int(t.get("max_workers", 0)) + (1 if name == head else 0))
        for name, t in (boot.get("available_node_types") or {}).items()
    ]


def _launchable_node_types() -> list[dict[str, float]]:
    """Resources of each node type the autoscaler may launch."""
    return [res for res, n in _node_groups() if n != 0 and res]


def _max_nodes() -> float:
    """Most nodes the autoscaler's config allows (inf when unlimited; 0 when unknown)."""
    counts = [n for _, n in _node_groups()]
    return float("inf") if -1 in counts else float(sum(counts))


def _alive_nodes() -> list[dict[str, float]]:
    return [dict(n["Resources"]) for n in ray.nodes() if n.get("Alive")]


def _describe(nodes: list[dict[str, float]]) -> str:
    cpus = sorted({n.get("CPU", 0.0) for n in nodes})
    gpus = sorted({n.get("GPU", 0.0) for n in nodes})
    fmt = lambda xs: "/".join(f"{x:g}" for x in xs) or "0"  # noqa: E731
    return f"{len(nodes)} node(s) with {fmt(cpus)} CPUs and {fmt(gpus)} GPUs each"


def check_resources(cfg: RunSettings, nodes: list[dict[str, float]] | None = None,
                    launchable: list[dict[str, float]] | None = None) -> None:
    """Raise ConfigError when no node can hold one shard task's CPU and GPU request.

    Args:
        cfg: run config; ``cluster.num_cpus`` and ``cluster.num_gpus`` are the per-task request.
        nodes: total resources of each alive node (default: asked from the connected cluster).
        launchable: resources of node types an autoscaler may add (default: from the cluster's GCS).
    """
    nodes = _alive_nodes() if nodes is None else nodes
    launchable = _launchable_node_types() if launchable is None else launchable
    want = {"CPU": cfg.cluster.num_cpus, "GPU": cfg.cluster.num_gpus}
    candidates = nodes + launchable
    if any(all(n.get(k, 0.0) >= v for k, v in want.items() if v > 0) for n in candidates):
        return
    have = _describe(nodes) + (f"; the autoscaler may add {_describe(launchable)}" if launchable else "")
    if want["GPU"] > 0 and not any(n.get("GPU", 0.0) >= want["GPU"] for n in candidates):
        raise ConfigError(
            "cluster.num_gpus",
            f"each shard task asks for {want['GPU']:g} GPU but the cluster has {have}; "
            "set cluster.num_gpus=0 to render on CPUs, or add GPU nodes",
        )
    raise ConfigError(
        "cluster.num_cpus",
        f"each shard task asks for {want['CPU']:g} CPUs (and {want['GPU']:g} GPUs) but the cluster has {have}; "
        "lower cluster.num_cpus or add larger nodes",
    )


def check_output_is_shared(url: str, nodes: int | None = None, max_nodes: float | None = None) -> None:
    """Refuse a plain local ``--out`` when shards could be written on more than one machine.

    A bucket URL (``s3://``, ``gs://``) is fine; so is ``file:///path``, which declares a
    folder that every node mounts at the same path (NFS and the like).

    Args:
        url: the run's ``--out``.
        nodes: alive nodes (default: asked from the connected cluster).
        max_nodes: most nodes the autoscaler may run, head included (default: from the GCS).
    """
    if "://" in url:
        return
    nodes = len(_alive_nodes()) if nodes is None else nodes
    max_nodes = _max_nodes() if max_nodes is None else max_nodes
    if max(nodes, max_nodes) <= 1:
        return
    grow = " and may grow to more" if max_nodes > max(nodes, 1) else ""
    raise ConfigError(
        "--out",
        f"'{url}' is a local folder but the Ray cluster has {nodes} node(s){grow}: each worker would write "
        "its shards to its own disk. Use --out s3://BUCKET/prefix (or gs://), or a folder every node mounts "
        "at the same path, given as file:///shared/path",
    )


def check_cluster(cfg: RunSettings, url: str, joined: bool) -> None:
    """The checks a run makes once connected, before submitting any task.

    Args:
        joined: True when the run joined a cluster (``--address``); a private local instance
            has no autoscaler, whatever config ``ray up`` may have left in this home directory.
    """
    check_resources(cfg, launchable=None if joined else [])
    check_output_is_shared(url, max_nodes=None if joined else 0)
