"""``syngrasp config show``: the resolved run config, each key with the doc its dataclass declares.

Docs come from the ``Attributes:`` section of each config dataclass's docstring (the one
place a key is documented); a key documented together with others (``a / b: ...``) gets
the shared text.
"""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from typing import Any

import yaml

from ..core.dataconf import to_dict


def attribute_docs(cls: type) -> dict[str, str]:
    """``{field name: doc}`` from the ``Attributes:`` section of ``cls``'s docstring."""
    doc = textwrap.dedent((cls.__doc__ or "").split("\n", 1)[-1])
    if "Attributes:" not in doc:
        return {}
    body = doc.split("Attributes:", 1)[1]
    docs: dict[str, str] = {}
    names: list[str] = []
    indent = None
    for line in body.splitlines():
        if not line.strip():
            continue
        lead = len(line) - len(line.lstrip())
        indent = lead if indent is None else indent
        if lead < indent:
            break
        m = re.match(r"([\w ,/]+?):\s*(.*)$", line.strip()) if lead == indent else None
        if m:
            names = [n.strip() for n in re.split(r"[/,]", m.group(1)) if n.strip()]
            for n in names:
                docs[n] = m.group(2)
        else:
            for n in names:
                docs[n] = (docs[n] + " " + line.strip()).strip()
    return docs


def documented(obj: Any, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted key, value, doc) for every leaf of the config dataclass tree ``obj``, in field order."""
    rows = []
    # a section composed of others (writer: the formats' keys) documents each key in its declaring class
    docs = {k: d for klass in reversed(type(obj).__mro__) for k, d in attribute_docs(klass).items()}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = prefix + f.name
        if dataclasses.is_dataclass(value):
            rows += documented(value, key + ".")
        else:
            value = to_dict(value)  # tuples (of dataclasses, e.g. cameras) as plain lists
            rows.append((key, value, docs.get(f.name, "")))
    return rows


def render(cfg: Any, width: int = 100) -> str:
    """YAML-like text: ``key: value`` lines grouped by section, each preceded by its doc as comments."""
    out: list[str] = []
    section = None
    for key, value, doc in documented(cfg):
        top = key.split(".", 1)[0] if "." in key else ""
        if top != section:
            section = top
            if top:
                out += ["", f"# --- {top} ---"]
        if doc:
            out += ["# " + line for line in textwrap.wrap(doc, width - 2)]
        text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()
        out.append(f"{key}: {text if text else json.dumps(value)}")
    return "\n".join(out).lstrip() + "\n"
