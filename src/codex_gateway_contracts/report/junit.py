"""junit.xml: one testcase per case; a failure's type is the verdict, its message names the findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from typing import Any

from .results import Document, finding_line, title


def _short(finding: Mapping[str, Any]) -> str:
    """``leak:service_tier (client, ignored)``."""
    tags = ", ".join(finding[name] for name in ("origin", "effect") if finding.get(name))
    return f"{finding['kind']}:{finding['path']}" + (f" ({tags})" if tags else "")


def render_junit(document: Document) -> str:
    """One ``testcase`` per case; a failure's ``type`` is the verdict and its message names the findings."""
    cases = document["cases"]
    summary = Counter(case["verdict"] for case in cases)
    failures = sum(n for v, n in summary.items() if v not in ("pass", "error", "skipped"))
    suite = ET.Element(
        "testsuite",
        name=f"codex-gateway-contracts ({title(document)})",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(summary.get("error", 0)),
        skipped=str(summary.get("skipped", 0)),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in document.get("gateway", {}).items():
        ET.SubElement(properties, "property", name=f"gateway.{name}", value=str(value))
    for case in cases:
        element = ET.SubElement(suite, "testcase", classname=case["cassette"], name=case["id"])
        verdict = case["verdict"]
        if verdict == "pass":
            continue
        details = "\n".join(finding_line(f) for f in case.get("findings", []))
        summary_text = "; ".join(_short(f) for f in case.get("findings", []) if f.get("path"))
        message = f"{verdict.upper()}: {case['id']} via {case['route']} -> {case['endpoint']}"
        message += f": {summary_text}" if summary_text else ""
        tag = {"error": "error", "skipped": "skipped"}.get(verdict, "failure")
        child = ET.SubElement(element, tag, message=message, type=verdict)
        child.text = details
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
