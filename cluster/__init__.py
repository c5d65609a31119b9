"""Run shards of episodes: planning, the per-shard job, manifests and resume.

Modules, each one job (no import cycles among them: an import-linter contract):

- ``driver``: the one run driver (plan, resume, bounded shard tasks in flight, record, finalize)
- executors, which only run shards: ``local`` (in this process), ``processes`` (a local process
  pool), ``ray_driver`` (Ray; ``ray_setup`` joins or starts it)
- ``shards``: shard planning and the per-shard job (``run_shard``) with its record
- ``outdir``: the output folder's ownership (set-up, config, lock, temp-file clean-up, staging)
- ``destination``: a local folder or a bucket as the place shards end up; resume's listing
- ``publish``: a finished shard into a store (files verified, then its record); ``store`` and
  ``retry``: fsspec filesystems, verified uploads, retries with backoff
- ``bounded``: a thread pool fed from a stream of a million items
- ``manifest``: the shard table and the run summary; ``progress``: the progress line
- ``export`` (``syngrasp export``) and ``crosscheck`` (``syngrasp crosscheck``): commands on a finished run
- ``config``: ``cluster.*`` settings and the ``RunSettings`` Protocol the drivers read

File names come from ``core/layout.py``. Only modules of this package may import ray.
"""
