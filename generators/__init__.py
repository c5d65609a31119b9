"""Turn one (run_seed, episode_index) into one Episode: MuJoCo build, planning, rollout, render."""
