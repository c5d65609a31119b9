"""Cross-stage plumbing: typed config loading, per-episode RNG, the episode schema and the CLI."""
