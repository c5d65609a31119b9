"""A LeRobot checkpoint as an ``envs.evaluate`` policy (imported only when lerobot is installed).

Untested in syngrasp's own CI (lerobot is not a dependency): the supported path for trained
policies is ``lerobot-eval`` with the ``lerobot_env_syngrasp`` plugin, which uses LeRobot's own
pre/post-processing. This adapter follows LeRobot 0.4+: ``PreTrainedPolicy.from_pretrained`` and
``make_pre_post_processors``; observations map ``pixels/<cam>`` -> ``observation.images.<cam>``
(float (1, 3, H, W) in [0, 1]) and ``agent_pos`` -> ``observation.state``, with the instruction as ``task``.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..core.schema import STATE, image_key


class LeRobotPolicy:
    name = "lerobot"

    def __init__(self, path: str):
        import torch
        from lerobot.policies.factory import get_policy_class, make_pre_post_processors

        with open(os.path.join(path, "config.json")) as f:
            kind = json.load(f)["type"]
        self.torch = torch
        self.policy = get_policy_class(kind).from_pretrained(path)
        self.pre, self.post = make_pre_post_processors(self.policy.config, pretrained_path=path)
        self.name = f"lerobot:{kind}"

    def reset(self, env, obs, info):
        self.task = info["task"]
        self.policy.reset()

    def act(self, obs):
        t = self.torch
        batch = {image_key(c): t.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float() / 255
                 for c, img in obs["pixels"].items()}
        batch[STATE] = t.from_numpy(obs["agent_pos"])[None]
        batch["task"] = [self.task]
        with t.inference_mode():
            action = self.post(self.policy.select_action(self.pre(batch)))
        return action[0].cpu().numpy().astype(np.float32)
