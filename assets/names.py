"""Category display names: folder names made into singular nouns, or given by a mapping file.

``display_name("toys") == "toy"``; ``display_name("door_handles") == "door handle"``.
``category_and_attributes`` moves colour and size words out of the noun into attributes.
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


COLOUR_WORDS = frozenset(
    "red green blue yellow orange purple pink cyan white black brown grey gray silver golden gold beige "
    "violet magenta turquoise navy teal maroon tan cream ivory transparent clear".split()
)
SIZE_WORDS = frozenset("small large big tiny little short tall mini huge giant medium long".split())
# names in which a colour or size word is part of the noun ("orange juice" is not an orange-coloured juice)
COMPOUNDS = frozenset({
    "orange juice", "red wine", "white wine", "rose wine", "green tea", "black tea", "white board", "black board",
    "green bean", "red pepper", "green pepper", "yellow pepper", "blue cheese", "brown sugar", "white sugar",
    "black pepper", "white chocolate", "long neck", "short ribs",
})


def category_and_attributes(label: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(category noun, colour words, size words) of a folder or file label.

    Colour and size words before the head noun (the last word) are attributes of that one object,
    not of its category: "pink_yellow_moka_pots" -> ("moka pot", ("pink", "yellow"), ()),
    "short_cabinet" -> ("cabinet", (), ("short",)). The head noun and compounds that name a thing
    ("orange_juice", "red_wine": ``COMPOUNDS``) keep their words.
    """
    name = display_name(label)
    words = name.split()
    keep, colours, sizes = [], [], []
    for i, w in enumerate(words):
        nxt = " ".join(words[i:i + 2])
        prev = " ".join(words[max(i - 1, 0):i + 1])
        if i == len(words) - 1 or nxt in COMPOUNDS or (i > 0 and prev in COMPOUNDS):
            keep.append(w)
        elif w in COLOUR_WORDS:
            colours.append("grey" if w == "gray" else w)
        elif w in SIZE_WORDS:
            sizes.append(w)
        else:
            keep.append(w)
    return " ".join(keep), tuple(colours), tuple(sizes)
