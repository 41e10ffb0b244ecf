"""Placeholder papers (#16): records made from the references citing a work the library lacks, flagged by
`external_ids["placeholder"] == "1"` and a warning. The real record (its PDF or BibTeX entry) merges into the
placeholder through the usual duplicate rules and clears both."""

from __future__ import annotations

import json
from typing import Any

PLACEHOLDER_KEY = "placeholder"
PLACEHOLDER_WARNING = "Placeholder made from the references citing it: import its PDF or BibTeX entry to complete it"


def is_placeholder(external_ids: dict[str, str] | None) -> bool:
    return (external_ids or {}).get(PLACEHOLDER_KEY) == "1"


def settle_placeholder(current: dict[str, Any], values: dict[str, Any], source: str) -> None:
    """When a real record (`source` other than "placeholder") merges into a placeholder row `current`, add to the
    update `values` what drops the flag and the placeholder warning."""
    if source == "placeholder":
        return
    try:
        ids = json.loads(values.get("external_ids") or current.get("external_ids") or "{}")
        warnings = json.loads(current.get("warnings") or "[]")
    except ValueError:
        return
    if not isinstance(ids, dict) or not is_placeholder(ids):
        return
    ids.pop(PLACEHOLDER_KEY)
    values["external_ids"] = json.dumps(ids, ensure_ascii=False)
    if isinstance(warnings, list):
        values["warnings"] = json.dumps([w for w in warnings if w != PLACEHOLDER_WARNING], ensure_ascii=False)
