"""Category display names: folder names made into singular nouns, or given by a mapping file.

``display_name("toys") == "toy"``; ``display_name("door_handles") == "door handle"``.
Only the last word is made singular ("tool handles" -> "tool handle").
"""

from __future__ import annotations

import re

_IRREGULAR = {
    "knives": "knife", "leaves": "leaf", "shelves": "shelf", "loaves": "loaf", "halves": "half",
    "wolves": "wolf", "scarves": "scarf", "mice": "mouse", "geese": "goose", "teeth": "tooth",
    "feet": "foot", "children": "child", "people": "person", "dice": "die", "tomatoes": "tomato",
    "potatoes": "potato", "mangoes": "mango", "cookies": "cookie", "pies": "pie", "ties": "tie",
    "shoes": "shoe", "toes": "toe", "canoes": "canoe", "glasses": "glasses", "scissors": "scissors",
    "pliers": "pliers", "tongs": "tongs", "headphones": "headphones", "pants": "pants", "shorts": "shorts",
    "series": "series", "species": "species", "clothes": "clothes", "lenses": "lens", "buses": "bus",
}
_KEEP_ENDINGS = ("ss", "us", "is", "os")


def singular(word: str) -> str:
    """The singular of one lower-case English noun (common rules and irregulars)."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w.endswith(_KEEP_ENDINGS) or not w.endswith("s"):
        return w
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "xes", "zes", "sses")):
        return w[:-2]
    if w.endswith("oes"):
        return w[:-2]
    return w[:-1]


def display_name(label: str) -> str:
    """Folder or file label -> instruction noun: separators to spaces, lower case, digits dropped,
    last word singular; "object" when nothing is left."""
    words = [w for w in re.split(r"[\s_\-.]+", re.sub(r"\d+", " ", label.lower())) if w]
    if not words:
        return "object"
    return " ".join(words[:-1] + [singular(words[-1])])
