#!/usr/bin/env bash
# Train LeRobot's ACT on a freshly generated syngrasp dataset on the CPU, then evaluate it with
# `lerobot-eval --env.type=syngrasp` (plugins/lerobot_env_syngrasp) on held-out scenes and print
# the success rate, however low. Not part of the tests or CI (lerobot and torch are heavy).
#
#   bash scripts/lerobot_train_eval_check.sh [WORK_DIR]      (default /tmp/syngrasp_lerobot_check)
#
# Needs a Python 3.12 venv with lerobot[dataset]==0.6.1, syngrasp and the plugin, e.g.
#   python3.12 -m venv ~/venv-lerobot && ~/venv-lerobot/bin/pip install "lerobot[dataset]==0.6.1" \
#       -e . -e plugins/lerobot_env_syngrasp
# VENV names that venv (default: the one of `python` on PATH). Sizes (environment variables):
# EPISODES (generation indices, 40), IMAGE (camera side in px, 96), STEPS (training steps, 300),
# BATCH (8), EVAL_EPISODES (10), SPLIT (unseen_scenes), PRESET (render preset, balanced).
set -euo pipefail
W=${1:-/tmp/syngrasp_lerobot_check}
VENV=${VENV:-$(python -c 'import sys; print(sys.prefix)')}
PY=$VENV/bin/python
EPISODES=${EPISODES:-40} IMAGE=${IMAGE:-96} STEPS=${STEPS:-300} BATCH=${BATCH:-8}
EVAL_EPISODES=${EVAL_EPISODES:-10} SPLIT=${SPLIT:-unseen_scenes} PRESET=${PRESET:-balanced}
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export MUJOCO_GL=${MUJOCO_GL:-egl}

"$PY" - <<'EOF'
import importlib.metadata as md, sys
for dist, hint in (("lerobot", 'pip install "lerobot[dataset]==0.6.1"'),
                   ("lerobot_env_syngrasp", "pip install -e plugins/lerobot_env_syngrasp (or --no-deps --target DIR, DIR on PYTHONPATH)")):
    try:
        print(f"{dist} {md.version(dist)}")
    except md.PackageNotFoundError:
        sys.exit(f"{dist} is not installed in {sys.prefix}: {hint}")
import syngrasp.envs, torch
print(f"syngrasp from {syngrasp.__path__[0]}; torch {torch.__version__}, cuda available: {torch.cuda.is_available()}")
EOF

mkdir -p "$W"
DATA=$W/data TRAIN=$W/train EVAL=$W/eval
t0=$(date +%s)
if [ ! -f "$DATA/meta/info.json" ]; then
  "$PY" -m syngrasp.app.cli generate --out "$DATA" --episodes "$EPISODES" --seed 0 --format lerobot --quiet \
    render.preset="$PRESET" "scene.image_size=[$IMAGE,$IMAGE]"
fi
t1=$(date +%s)

rm -rf "$TRAIN"
# ACT from scratch (offline: no ImageNet weights) at one learning rate, 1e-4 (ACT's default 1e-5 suits
# its 100k-step runs); chunks of 20 actions (episodes are 60-90 steps), 10 executed per inference
"$VENV/bin/lerobot-train" --dataset.repo_id=local/syngrasp --dataset.root="$DATA" --dataset.video_backend=pyav \
  --policy.type=act --policy.device=cpu --policy.push_to_hub=false --policy.pretrained_backbone_weights=null \
  --policy.optimizer_lr=1e-4 --policy.optimizer_lr_backbone=1e-4 --policy.chunk_size=20 --policy.n_action_steps=10 \
  --steps="$STEPS" --batch_size="$BATCH" --num_workers=1 --log_freq=50 --save_freq="$STEPS" \
  --wandb.enable=false --output_dir="$TRAIN" 2>&1 | tee "$W/train.log" | tr '\r' '\n' | grep -E "INFO.* step:|End of training|Error" || true
t2=$(date +%s)
CKPT=$TRAIN/checkpoints/last/pretrained_model
[ -f "$CKPT/config.json" ] || { echo "training wrote no checkpoint: see $W/train.log" >&2; exit 1; }

rm -rf "$EVAL"
"$VENV/bin/lerobot-eval" --policy.path="$CKPT" --policy.device=cpu --env.type=syngrasp --env.dataset_dir="$DATA" \
  --env.split="$SPLIT" --env.render_preset="$PRESET" --eval.n_episodes="$EVAL_EPISODES" --eval.batch_size=1 \
  --output_dir="$EVAL" 2>&1 | tee "$W/eval.log" | tr '\r' '\n' | grep -E "Aggregated Metrics for overall|Error" -A1 || true
t3=$(date +%s)
[ -f "$EVAL/eval_info.json" ] || { echo "lerobot-eval wrote no eval_info.json: see $W/eval.log" >&2; exit 1; }

"$PY" - "$DATA" "$EVAL/eval_info.json" "$STEPS" "$BATCH" "$SPLIT" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) <<'EOF'
import json, sys
data, path, steps, batch, split, gen_s, train_s, eval_s = sys.argv[1:]
info = json.load(open(f"{data}/meta/info.json"))
o = json.load(open(path))["overall"]
print(f"dataset: {info['total_episodes']} episodes, {info['total_frames']} frames, "
      f"cameras {[k for k in info['features'] if k.startswith('observation.images.')]}")
print(f"generate {gen_s} s, train {train_s} s ({steps} steps, batch {batch}, CPU), eval {eval_s} s")
print(f"ACT success rate on {split}: {o['pc_success']:.1f}% of {o['n_episodes']} episodes "
      f"(avg max reward {o['avg_max_reward']:.2f}, {o['eval_ep_s']:.1f} s/episode)")
EOF
