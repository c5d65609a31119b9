"""The schema's declarations themselves (core/schema, core/phases.py): complete, consistent, and what
the generated helpers derive from them. No simulator."""

import json
import pickle

import numpy as np
import pytest

from syngrasp.core import schema
from syngrasp.core.errors import SchemaError, SyngraspError
from syngrasp.core.phases import PHASE_NAMES, Phase, phase_named
from syngrasp.randomization.language import SUBTASKS


def test_every_frame_key_is_fully_declared():
    names = [s.pattern for s in schema.FRAME_KEYS]
    assert len(names) == len(set(names))
    for s in schema.FRAME_KEYS:
        np.dtype(s.dtype)  # a numpy dtype name
        assert s.storage in schema.STORAGE and s.meaning and s.per_camera in ("", "all", "moving"), s.pattern
        assert ("{cam}" in s.pattern) == bool(s.per_camera), s.pattern
    assert schema.spec(schema.STATE).shape_text == "(n_arm+1,)"
    assert schema.spec(schema.IMAGES).shape_text == "(H, W, 3)"
    assert schema.spec(schema.PHASE).shape_text == "()"
    assert schema.spec(schema.POINT_CLOUD).shape_text == "(N, 6)"
    with pytest.raises(KeyError, match="not a declared frame key"):
        schema.spec("observation.nothing")


def test_every_meta_key_is_fully_declared():
    names = [m.name for m in schema.META]
    assert len(names) == len(set(names))
    sides = [m.side for m in schema.META if m.side]
    assert len(sides) == len(set(sides))
    for m in schema.META:
        assert m.type in schema.TYPES and m.meaning and m.where, m.name
        assert m.hdf5 in (schema.HDF5_ATTR, schema.HDF5_DATASET), m.name
        assert (m.type == "json") == bool(m.json) and (m.type == "array") == bool(m.shape), m.name
        assert not m.column or m.column.startswith(schema.EPISODES_COLUMN_PREFIX), m.name
    assert schema.meta_key(schema.GRASP_POSE).type_name == "float64 (4, 4)"
    assert schema.META_KEYS[schema.SCENE] == schema.meta_key(schema.SCENE).meaning


def test_existing_datasets_keep_their_columns_and_phase_names():
    """What datasets written before the schema was typed hold: the same meta/episodes columns, side columns
    and phase names (core/phases.py)."""
    assert {c.name: (c.meta_key, c.dtype, c.length) for c in schema.EPISODE_COLUMNS} == {
        "syngrasp/seed": ("seed", "int64", 0), "syngrasp/source_episode_index": ("episode_index", "int64", 0),
        "syngrasp/success": ("success", "bool", 0), "syngrasp/failure_reason": ("failure_reason", "string", 0),
        "syngrasp/object_id": ("object_id", "string", 0), "syngrasp/object_category": ("object_category", "string", 0),
        "syngrasp/object_scale": ("object_scale", "float64", 3), "syngrasp/object_mass": ("object_mass", "float64", 0),
        "syngrasp/object_friction": ("object_friction", "float64", 3),
        "syngrasp/grasp_pose": ("grasp_pose", "float64", 16), "syngrasp/grasp_width": ("grasp_width", "float64", 0),
    }
    assert PHASE_NAMES == ("approach", "pre-grasp", "grasp", "lift", "shake", "hold")


def test_phases_are_one_list():
    assert [p.label for p in Phase] == list(PHASE_NAMES) and [int(p) for p in Phase] == list(range(len(Phase)))
    assert phase_named("pre-grasp") is Phase.PRE_GRASP
    with pytest.raises(ValueError, match="approach, pre-grasp"):
        phase_named("transit")
    assert set(SUBTASKS) == set(Phase) and all(p.meaning for p in Phase)
    assert ", ".join(PHASE_NAMES) in schema.spec(schema.PHASE).meaning


def test_action_definitions_map_both_ways():
    assert schema.ACTION_SOURCE == {"ee_delta": schema.ACTION, "joint": schema.ACTION_JOINT}
    for mode in schema.ACTION_SOURCE:
        written = {schema.output_name(k, mode) for k in schema.ACTION_SOURCE.values()}
        assert schema.ACTION in written and schema.action_mode_of(written) == mode
        assert {schema.episode_name(w, mode) for w in written} == set(schema.ACTION_SOURCE.values())
    assert schema.output_name(schema.ACTION, "joint") == "action.ee_delta"
    with pytest.raises(ValueError, match="ee_delta"):
        schema.output_name(schema.ACTION, "torque")


def test_episode_meta_fills_the_schema_facts_and_refuses_undeclared_keys():
    meta = schema.episode_meta(seed=3, episode_index=1)
    assert meta[schema.SCHEMA_VERSION_KEY] == schema.SCHEMA_VERSION
    assert json.loads(meta[schema.PHASE_NAMES_KEY]) == list(PHASE_NAMES)
    assert list(meta) == [m.name for m in schema.META if m.name in meta]
    with pytest.raises(KeyError, match="robot"):
        schema.episode_meta(seed=3, robot="panda")


def test_meta_types_are_checked_and_coerced():
    problems = dict(schema.meta_problems({schema.SEED: True, schema.FPS: 10, schema.SUCCESS: np.bool_(True)}))
    assert "declares int" in problems[schema.SEED]  # a bool is not an int
    assert schema.FPS not in problems and schema.SUCCESS not in problems  # int for float; numpy bool
    assert "missing" in problems[schema.SCENE] and schema.OBJECT_ID not in problems  # required vs optional
    assert "missing" in dict(schema.meta_problems({}, {"segmentation": True}))[schema.SEGMENTATION_IDS]
    assert schema.coerce(schema.meta_key(schema.SEED), np.int64(4)) == 4
    assert type(schema.coerce(schema.meta_key(schema.SUCCESS), np.bool_(False))) is bool
    assert schema.coerce(schema.meta_key(schema.GRASP_WIDTH), "wide") == "wide"  # left for the type check


def test_schema_error_names_the_key_and_survives_pickling():
    e = SchemaError(schema.STATE, "has dtype float64")
    assert isinstance(e, SyngraspError) and e.key == schema.STATE and f"'{schema.STATE}'" in str(e)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is SchemaError and back.key == e.key and str(back) == str(e)
