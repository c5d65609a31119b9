"""Plausible sizes of object categories and the unit guess that uses them.

A mesh file's numbers carry no unit (except glTF's metres). The build reads
the largest extent in metres, centimetres and millimetres and keeps the
reading that is plausible for the object's category: a cabinet or a shelf
is 0.15-2 m, a scanned grocery 1-50 cm. ``guess_units`` says when the choice
was uncertain (several readings plausible, or none), so the report can list
the objects a user should check or force with ``--units``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .categories import CATEGORIES

UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001}
METRES_UP_TO = 3.0  # file units: a largest extent up to this is read as metres
TABLETOP = (0.02, 0.5)  # m: plausible largest extent of an object of unknown kind
TABLETOP_TYPICAL = 0.1  # m: the reading closest (in log scale) to this wins among plausible ones
FURNITURE = (0.15, 2.0)  # m: cabinets, shelves, racks, stoves, microwaves, ...
# head nouns (last word of the category, singular) of furniture-sized things
FURNITURE_WORDS = frozenset(
    "cabinet shelf rack drawer dresser stove oven microwave fridge refrigerator sink faucet table desk chair "
    "stool bench bed sofa couch door window cupboard wardrobe bookcase bookshelf counter cart trolley furniture "
    "dishwasher washer dryer caddy".split()
)


@dataclasses.dataclass(frozen=True)
class SizePrior:
    """Plausible largest extent [m] of a category's objects: ``lo``..``hi``, most likely ``typical``."""

    lo: float
    hi: float
    typical: float
    why: str


def size_prior(category: str) -> SizePrior:
    """The plausible size of ``category`` (a singular display noun, e.g. "short cabinet", "mug").

    Known categories (``categories.CATEGORIES``) allow half their minimum to twice their maximum;
    furniture words (``FURNITURE_WORDS``, any word of the name) allow ``FURNITURE``; anything else
    ``TABLETOP``.
    """
    if category in CATEGORIES:
        lo, hi = CATEGORIES[category][0]
        return SizePrior(lo / 2, hi * 2, float(np.sqrt(lo * hi)), f"category '{category}'")
    words = category.lower().split()
    hit = next((w for w in reversed(words) if w in FURNITURE_WORDS), None)
    if hit is not None:
        return SizePrior(*FURNITURE, float(np.sqrt(FURNITURE[0] * FURNITURE[1])), f"furniture word '{hit}'")
    return SizePrior(*TABLETOP, TABLETOP_TYPICAL, "a tabletop object")


@dataclasses.dataclass(frozen=True)
class UnitGuess:
    """The unit a file's numbers are read in: ``factor`` to metres, ``unit`` name, and ``uncertain``
    with the reason when other readings were as plausible (or none was)."""

    factor: float
    unit: str
    uncertain: str = ""


def guess_units(largest: float, metric: bool, units: str = "auto", prior: SizePrior | None = None) -> UnitGuess:
    """The unit of a mesh whose largest extent is ``largest`` file units.

    ``units`` m/cm/mm forces it; ``metric`` (the format or an explicit ``scale`` fixes metres) means m.
    Otherwise each unit's reading is tried against ``prior`` (default: a tabletop object): a largest
    extent up to METRES_UP_TO is read as metres (flagged uncertain when that is implausible); else the plausible
    reading closest in log scale to the prior's typical size wins (closest of all when none is
    plausible). ``uncertain`` says so when two or more readings were plausible or the pick was not.
    """
    if units != "auto":
        return UnitGuess(UNITS[units], units)
    if metric:
        return UnitGuess(1.0, "m")
    prior = prior or size_prior("object")
    reading = {u: largest * k for u, k in UNITS.items()}
    plausible = [u for u, r in reading.items() if prior.lo <= r <= prior.hi]
    if largest <= METRES_UP_TO:
        pick = "m"
    else:
        pool = [u for u in plausible if u != "m"] or ["cm", "mm"]
        pick = min(pool, key=lambda u: abs(np.log(reading[u] / prior.typical)))
    uncertain = ""
    if len(plausible) > 1:
        alts = ", ".join(f"{reading[u]:.3g} m in {u}" for u in plausible if u != pick)
        uncertain = f"unit uncertain: {pick} gives {reading[pick]:.3g} m, also plausible for {prior.why}: {alts}"
    elif pick not in plausible:
        alts = "; ".join(f"{u} would give {reading[u]:.3g} m" for u in plausible) or "no unit does"
        uncertain = (f"unit uncertain: read as {pick} ({reading[pick]:.3g} m), not plausible for {prior.why} "
                     f"({prior.lo:g}-{prior.hi:g} m); {alts}")
    return UnitGuess(UNITS[pick], pick, uncertain)


def detect_units(largest: float, metric: bool, units: str = "auto", category: str = "object") -> tuple[float, str]:
    """(factor to metres, unit name) of ``guess_units`` with ``category``'s size prior."""
    g = guess_units(largest, metric, units, size_prior(category))
    return g.factor, g.unit
