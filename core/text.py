"""Text that came from outside (file names, catalog fields) made safe to print on a terminal."""

from __future__ import annotations

import unicodedata


def safe_text(s: object) -> str:
    """``str(s)`` with every control character escaped: C0/C1 controls and DEL as ``\\xNN``, other
    invisible format characters (bidirectional overrides such as U+202E) as ``\\uNNNN``. A file name
    holding ``\\x1b[2J`` then prints as text instead of clearing the terminal; a backslash is kept."""
    out = []
    for ch in str(s):
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)
