"""Run shards of episodes: planning, the per-shard job, manifests and resume.

Only modules of this package may import ray.
"""
