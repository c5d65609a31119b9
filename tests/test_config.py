import pytest

from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError


def test_defaults_and_overrides():
    cfg = load_config(None, ["grasp.top_k=3", "scene.image_size=[32,48]"], seed=1, episodes=2)
    assert cfg.grasp.top_k == 3
    assert cfg.scene.image_size == (32, 48)
    assert cfg.seed == 1 and cfg.episodes == 2


@pytest.mark.parametrize(
    "overrides,key",
    [
        (["grasp.top_kk=3"], "grasp.top_kk"),
        (["bogus=1"], "bogus"),
        (["grasp.top_k="], "grasp.top_k"),
        (["scene.objects.num_distractors=[3,1]"], "scene.objects.num_distractors"),
        (["grasp.top_k=abc"], "grasp.top_k"),
    ],
)
def test_bad_keys_are_named(overrides, key):
    with pytest.raises(ConfigError) as e:
        load_config(None, overrides, seed=0, episodes=1)
    assert e.value.key == key
    assert f"'{key}'" in str(e.value)


def test_missing_required_key():
    with pytest.raises(ConfigError) as e:
        load_config(None, [], seed=0)
    assert e.value.key == "episodes"


def test_config_file_unknown_key(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("seed: 1\nepisodes: 2\nmotion:\n  lift_hieght: 0.1\n")
    with pytest.raises(ConfigError, match="motion.lift_hieght"):
        load_config(str(p))


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--episodes", "-1", "--seed", "0"], "episodes"),
        (["--episodes", "2", "--seed", "0", "grasp.nope=1"], "grasp.nope"),
        (["--seed", "0"], "episodes"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path, capsys, argv, needle):
    rc = main(["generate", "--out", str(tmp_path / "o"), "--quiet", *argv])
    assert rc == 2
    assert needle in capsys.readouterr().err
    assert not any((tmp_path / "o").glob("shard-*"))


def test_more_distractors_than_colours_is_refused_at_load():
    from syngrasp.randomization.palette import PALETTE

    load_config(None, [f"scene.objects.num_distractors=[0,{len(PALETTE) - 1}]"], seed=0, episodes=1)
    with pytest.raises(ConfigError, match="scene.objects.num_distractors.*at most"):
        load_config(None, [f"scene.objects.num_distractors=[0,{len(PALETTE)}]"], seed=0, episodes=1)


def test_config_show_prints_every_key_with_its_doc_and_round_trips(capsys):
    """Every leaf key appears once; feeding the printed values back as overrides rebuilds the same config."""
    from syngrasp.app.config_show import documented

    assert main(["config", "show", "grasp.top_k=3", "rollout.robot=xarm6"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln and not ln.startswith("#")]
    shown = dict(ln.split(": ", 1) for ln in lines)
    cfg = load_config(None, ["grasp.top_k=3", "rollout.robot=xarm6"], seed=0, episodes=0)
    rows = documented(cfg)
    assert sorted(shown) == sorted(k for k, _, _ in rows)
    assert shown["grasp.top_k"] == "3" and shown["rollout.robot"] == "xarm6"
    again = load_config(None, [f"{k}={v}" for k, v in shown.items()], seed=0, episodes=0)
    assert again.to_dict() == cfg.to_dict()
    docs = {k: d for k, _, d in rows}
    assert "[m]" in docs["scene.objects.spawn_x"] and sum(bool(d) for d in docs.values()) > 0.8 * len(docs)
