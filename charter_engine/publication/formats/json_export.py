"""The JSON export: the clause tree with numbering, exact text and provenance, in the shape the
JSON Schema ``publication/schema/charter-export.schema.json`` describes (a test validates it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from charter_engine.publication.formats.common import heading_label
from charter_engine.publication.source import ExportSource, SourceClause

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "charter-export.schema.json"
SCHEMA_ID = "https://charter-engine.org/schema/charter-export/1"


def _clause(clause: SourceClause) -> dict[str, Any]:
    return {
        "id": clause.clause_id,
        "number": clause.number,
        "structural_number": clause.structural_number,
        "label": heading_label(clause) if clause.kind == "heading" else clause.label,
        "kind": clause.kind,
        "level": clause.level,
        "heading": clause.heading,
        "text": clause.text,
        "plain_text": clause.plain,
        "version_id": clause.version_id,
        "provenance": {
            "history": list(clause.history),
            "passages": [{"text": text, "revision": rev} for text, rev in clause.passages],
        },
        "children": [],
    }


def export_tree(source: ExportSource) -> dict[str, Any]:
    """The document as a JSON-ready dict."""
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for clause in source.clauses:
        node = _clause(clause)
        nodes[clause.clause_id] = node
        parent = nodes.get(clause.parent_id) if clause.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(node)
    return {
        "$schema": SCHEMA_ID,
        "charter": {"slug": source.slug, "title": source.title, "format": source.source_format},
        "revision": {
            "number": source.revision,
            "sha256": source.revision_sha256,
            "date": source.revision_date.isoformat(),
        },
        "release": (
            None
            if source.release_label is None
            else {
                "label": source.release_label,
                "notes": source.release_notes or "",
                "date": source.released_at.isoformat() if source.released_at else None,
            }
        ),
        "adopted": (
            None
            if source.adopted_revision is None
            else {
                "revision": source.adopted_revision,
                "date": source.adopted_at.isoformat() if source.adopted_at else None,
            }
        ),
        "clauses": roots,
        "origins": {str(number): json.loads(origin) for number, origin in source.origins},
    }


def render_json(source: ExportSource) -> bytes:
    return (json.dumps(export_tree(source), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded
