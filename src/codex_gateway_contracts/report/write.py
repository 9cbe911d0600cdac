"""Writing a run's reports: results.json first, then everything rendered from the document read back."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core.files import write_atomic
from ..core.verdict import CaseResult
from .html import render_html
from .junit import render_junit
from .markdown import render_markdown
from .results import Document, write_results


def render_reports(document: Document, directory: Path) -> list[Path]:
    """``report.md``, ``report.html`` and ``junit.xml`` of one results.json document."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_atomic(directory / "report.md", render_markdown(document)),
        write_atomic(directory / "report.html", render_html(document)),
        write_atomic(directory / "junit.xml", render_junit(document)),
    ]


def write_reports(directory: Path, gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> list[Path]:
    """results.json, then every report rendered from the document read back from it."""
    target = write_results(directory, gateway, results)
    return [target, *render_reports(json.loads(target.read_text(encoding="utf-8")), directory)]
