"""The object colour palette: every object in a scene gets its own colour, named in instructions.

Colours are linear RGB in [0, 1].
"""

PALETTE: dict[str, tuple[float, float, float]] = {
    "red": (0.85, 0.12, 0.10),
    "green": (0.15, 0.65, 0.20),
    "blue": (0.12, 0.25, 0.85),
    "yellow": (0.95, 0.85, 0.10),
    "orange": (0.95, 0.50, 0.08),
    "purple": (0.55, 0.20, 0.70),
    "pink": (0.95, 0.45, 0.70),
    "cyan": (0.10, 0.80, 0.85),
    "white": (0.93, 0.93, 0.93),
    "black": (0.08, 0.08, 0.08),
    "brown": (0.50, 0.30, 0.12),
}
