"""Varied, seeded instructions that name the target uniquely.

An instruction is a template ("{verb} the {obj}", "can you {verb} the {obj}?", ...)
with a verb synonym and a referring phrase for the target built from
attributes: its category noun (or a synonym), its colour name, a size word
when it is clearly the smallest or largest of its category, and a spatial
relation to a distractor ("left of", "right of", "in front of", "behind"),
seen from the front camera. A phrase is used only when no other object fits
it, judged conservatively: a distractor fits a relation unless it clearly
does not. Pure: plain arrays in, text out, no simulator.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from ..core.phases import Phase
from ..core.scene import SceneSpec

VERBS = {"pick up": "pick it up", "grab": "grab it", "lift": "lift it", "take": "take it", "grasp": "grasp it"}
TEMPLATES = (
    "{verb} the {obj}",
    "please {verb} the {obj}",
    "{verb} the {obj} from the table",
    "can you {verb} the {obj}?",
    "find the {obj} and {verb_it}",
    "reach for the {obj} and {verb_it}",
    "I need you to {verb} the {obj}",
    "go {verb} the {obj}",
)
SIZE_WORDS = {"small": ("small", "little"), "large": ("big", "large")}
RELATIONS = ("left of", "right of", "in front of", "behind")
SIZE_RATIO = 1.3  # the target is "small"/"large" when every other object of its category differs by this factor
REL_MARGIN = 0.04  # m: a relation holds for the target when its offset along the relation's axis exceeds this
RELATION_SHARE = 0.35  # chance of preferring a relational phrase when one is unique
N_PARAPHRASES = 4  # task_aug: rephrasings stored with each instruction
# the subtask instruction of each phase (core/phases.py), ``{obj}`` the referring phrase
SUBTASKS: dict[Phase, str] = {
    Phase.APPROACH: "move to the {obj}",
    Phase.PRE_GRASP: "line the gripper up with the {obj}",
    Phase.GRASP: "close the gripper",
    Phase.LIFT: "lift it",
    Phase.SHAKE: "shake it",
    Phase.HOLD: "hold it still",
}


@dataclasses.dataclass(frozen=True)
class Description:
    """How an instruction was composed; ``to_json`` is stored with the episode as ``language``.

    Attributes:
        text: the instruction.
        template: index into TEMPLATES; verb: key of VERBS.
        phrase: the referring phrase ("small red mug left of the blue bowl").
        attributes: which attributes the phrase uses, of "colour", "size".
        relation: one of RELATIONS or ""; anchor: index of the related object, -1 without.
        unique: no other object fits the phrase (False only when no unique phrase exists).
    """

    text: str
    template: int
    verb: str
    phrase: str
    attributes: tuple[str, ...]
    relation: str
    anchor: int
    unique: bool

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


def ground_axes(T_cam_base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The camera's right and forward directions projected onto the table plane, unit (3,) each, base frame.

    ``T_cam_base`` (4, 4) maps base-frame points to the OpenCV camera frame (x right, z forward).
    """
    out = []
    for row in (0, 2):
        a = np.array(T_cam_base[row, :3], float)
        a[2] = 0.0
        out.append(a / max(np.linalg.norm(a), 1e-9))
    return out[0], out[1]


def relation_holds(rel: str, p: np.ndarray, q: np.ndarray, axes, margin: float) -> bool:
    """Whether the object at ``p`` is ``rel`` the object at ``q`` (base-frame positions [m]).

    With ``margin`` > 0 the offset must exceed it along the relation's axis and
    dominate the other axis (clearly true); with ``margin`` <= 0 any offset in the
    relation's direction counts (possibly true).
    """
    right, fwd = axes
    dx, dz = float(np.dot(p - q, right)), float(np.dot(p - q, fwd))
    along, across = {"left of": (-dx, dz), "right of": (dx, dz), "in front of": (-dz, dx), "behind": (dz, dx)}[rel]
    if margin <= 0:
        return along > 0
    return along > margin and along > abs(across)


def _noun(obj, rng: np.random.Generator) -> str:
    names = (obj.category, *tuple(getattr(obj, "synonyms", ()) or ()))
    return names[int(rng.integers(len(names)))]


def _size_word(scene: SceneSpec, sizes: np.ndarray, t: int) -> str:
    """"small" or "large" when the target is clearly the smallest or largest of its category, else ""."""
    same = [i for i, o in enumerate(scene.objects) if i != t and o.category == scene.objects[t].category]
    if not same:
        return ""
    if all(sizes[i] >= SIZE_RATIO * sizes[t] for i in same):
        return "small"
    if all(sizes[t] >= SIZE_RATIO * sizes[i] for i in same):
        return "large"
    return ""


def fits(scene: SceneSpec, i: int, colour: str, size: str, relation: str, anchor: int, positions, sizes, axes) -> bool:
    """Whether object ``i`` possibly fits a phrase about the target (conservative: doubtful cases fit)."""
    o = scene.objects[i]
    if i == anchor or o.category != scene.target.category:
        return False
    if colour and o.color_name != colour:
        return False
    if size and _size_word(scene, sizes, i) != size:
        return False
    if relation and not relation_holds(relation, positions[i], positions[anchor], axes, 0.0):
        return False
    return True


def _unique(scene, colour, size, relation, anchor, positions, sizes, axes) -> bool:
    return not any(
        fits(scene, i, colour, size, relation, anchor, positions, sizes, axes)
        for i in range(len(scene.objects)) if i != scene.target_index
    )


def _anchor_phrase(scene: SceneSpec, a: int, rng: np.random.Generator) -> str | None:
    """A phrase naming object ``a`` uniquely by colour and/or category; None when there is none."""
    o = scene.objects[a]
    others = [x for i, x in enumerate(scene.objects) if i != a]
    if not any(x.category == o.category for x in others):
        return f"{o.color_name} {_noun(o, rng)}".strip() if o.color_name and rng.random() < 0.5 else _noun(o, rng)
    if o.color_name and not any(x.category == o.category and x.color_name == o.color_name for x in others):
        return f"{o.color_name} {_noun(o, rng)}"
    return None


def describe_target(
    scene: SceneSpec, positions: np.ndarray, sizes: np.ndarray, T_front: np.ndarray, rng: np.random.Generator
) -> Description:
    """A seeded instruction naming ``scene.target`` uniquely.

    ``positions`` (n, 3) object positions [m] in the base frame (settled poses),
    ``sizes`` (n,) largest extents [m], ``T_front`` (4, 4) the front camera's
    extrinsics (base -> OpenCV camera), from whose viewpoint relations are told.
    """
    positions = np.asarray(positions, float)
    sizes = np.asarray(sizes, float)
    axes = ground_axes(T_front)
    t = scene.target_index
    tgt = scene.target
    size = _size_word(scene, sizes, t)
    colours = [""] + ([tgt.color_name] if tgt.color_name else [])
    size_opts = [""] + ([size] if size else [])
    plain, relational = [], []
    for c in colours:
        for s in size_opts:
            if _unique(scene, c, s, "", -1, positions, sizes, axes):
                plain.append((c, s, "", -1))
            for a in range(len(scene.objects)):
                if a == t:
                    continue
                for rel in RELATIONS:
                    if relation_holds(rel, positions[t], positions[a], axes, REL_MARGIN) and _unique(
                        scene, c, s, rel, a, positions, sizes, axes
                    ):
                        relational.append((c, s, rel, a))
    anchors = {}
    relational = [r for r in relational if anchors.setdefault(r[3], _anchor_phrase(scene, r[3], rng)) is not None]
    want_rel = rng.random() < RELATION_SHARE
    pool = relational if (relational and (want_rel or not plain)) else plain
    unique = bool(pool)
    colour, s, rel, a = pool[int(rng.integers(len(pool)))] if pool else (tgt.color_name, size, "", -1)
    words = []
    if s:
        opts = SIZE_WORDS[s]
        words.append(opts[int(rng.integers(len(opts)))])
    if colour:
        words.append(colour)
    words.append(_noun(tgt, rng))
    phrase = " ".join(words)
    if rel:
        phrase += f" {rel} the {anchors[a]}"
    verb = list(VERBS)[int(rng.integers(len(VERBS)))]
    k = int(rng.integers(len(TEMPLATES)))
    text = TEMPLATES[k].format(verb=verb, verb_it=VERBS[verb], obj=phrase)
    attrs = tuple(n for n, v in (("colour", colour), ("size", s)) if v)
    return Description(text, k, verb, phrase, attrs, rel, int(a), unique)


def subtask_texts(desc: Description) -> tuple[str, ...]:
    """One instruction per phase, in phase order (core/phases.py), for the described target."""
    return tuple(SUBTASKS[p].format(obj=desc.phrase) for p in Phase)


def paraphrases(desc: Description, n: int = N_PARAPHRASES) -> tuple[str, ...]:
    """``n`` rephrasings of ``desc.text``, each different from it and from one another.

    Every rephrasing keeps the referring phrase ``desc.phrase`` word for word (the same category,
    colour, size and relation words, so it names the same target uniquely) and changes the wording
    around it: the j-th (j = 1..n) uses template ``(desc.template + j) mod len(TEMPLATES)`` and the
    verb ``j`` places after ``desc.verb`` in VERBS. Deterministic from ``desc`` (no RNG draw, so the
    episode's random stream is unchanged). ``n`` must be in [0, len(TEMPLATES) - 1].
    """
    if not 0 <= n < len(TEMPLATES):
        raise ValueError(f"paraphrases: n={n} must be in [0, {len(TEMPLATES) - 1}] (one per other template)")
    verbs = list(VERBS)
    v0 = verbs.index(desc.verb)
    out: list[str] = []
    for j in range(1, n + 1):
        verb = verbs[(v0 + j) % len(verbs)]
        text = TEMPLATES[(desc.template + j) % len(TEMPLATES)].format(verb=verb, verb_it=VERBS[verb], obj=desc.phrase)
        out.append(text)
    return tuple(out)
