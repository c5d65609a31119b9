"""Per-episode random generators: the only way randomness enters syngrasp."""

import numpy as np


def episode_rng(run_seed: int, episode_index: int) -> np.random.Generator:
    """Generator for one episode, a pure function of (run_seed, episode_index).

    Independent of worker order, wall time and global NumPy state, so a retried
    shard re-creates byte-identical arrays.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(run_seed), int(episode_index)])))
