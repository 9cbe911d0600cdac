"""``python -m codex_gateway_contracts.report``: render reports, diff two runs, compare several, merge shards."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.files import write_atomic
from ..errors import ContractsError
from .compare import comparison, render_compare_html, render_compare_markdown
from .diff import diff_documents, render_diff
from .merge import merge_documents
from .results import write_document
from .write import render_reports


def load_document(path: Path) -> dict[str, Any]:
    """Read a results.json, failing with a sentence rather than a traceback."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise SystemExit(f"{path} is not a results.json (no 'cases' list)")
    return document


def compare(args: Sequence[str]) -> int:
    """``report compare A B ... [--out DIR]``: the routes x gateways table, to stdout or DIR/compare.{md,html}."""
    parser = argparse.ArgumentParser(
        prog="python -m codex_gateway_contracts.report compare",
        description="Does Codex work on each route through each gateway: one table over several results.json.",
    )
    parser.add_argument("results", type=Path, nargs="+", help="results.json files, one column each, in this order")
    parser.add_argument("--out", type=Path, help="write compare.md and compare.html here (default: Markdown to stdout)")
    options = parser.parse_args(args)
    table = comparison([(str(path), load_document(path)) for path in options.results])
    markdown = render_compare_markdown(table)
    if options.out is None:
        sys.stdout.write(markdown)
        return 0
    options.out.mkdir(parents=True, exist_ok=True)
    print(write_atomic(options.out / "compare.md", markdown))
    print(write_atomic(options.out / "compare.html", render_compare_html(table)))
    return 0


def merge(args: Sequence[str]) -> int:
    """``report merge DIR... --out DIR``: the shards' results.json as one, and its reports."""
    parser = argparse.ArgumentParser(
        prog="python -m codex_gateway_contracts.report merge",
        description="Merge the results of --contracts-shard runs into one results.json and one set of reports.",
    )
    parser.add_argument("shards", type=Path, nargs="+", help="each shard's report folder (or its results.json)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the merged results.json and reports")
    options = parser.parse_args(args)
    paths = [path / "results.json" if path.is_dir() else path for path in options.shards]
    try:
        document = merge_documents([(path, load_document(path)) for path in paths])
    except ContractsError as exc:
        raise SystemExit(f"report merge: {exc}") from exc
    for path in [write_document(options.out, document), *render_reports(document, options.out)]:
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Render one run's reports, ``diff OLD NEW`` (exit 1 if a case got worse), ``compare A B ...``, or ``merge``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["compare"]:
        return compare(args[1:])
    if args[:1] == ["merge"]:
        return merge(args[1:])
    if args[:1] == ["diff"]:
        parser = argparse.ArgumentParser(prog="python -m codex_gateway_contracts.report diff")
        parser.add_argument("old", type=Path, help="results.json of the current gateway")
        parser.add_argument("new", type=Path, help="results.json of the candidate")
        options = parser.parse_args(args[1:])
        old, new = load_document(options.old), load_document(options.new)
        diff = diff_documents(old, new)
        sys.stdout.write(render_diff(old, new, diff))
        return 1 if diff.worse else 0
    parser = argparse.ArgumentParser(
        prog="python -m codex_gateway_contracts.report",
        description="Render report.md, report.html and junit.xml from a results.json "
        "(or 'diff OLD NEW', 'compare A B ...', or merge shards: 'merge DIR... --out DIR').",
    )
    parser.add_argument("results", type=Path, help="a results.json written by --contracts-report")
    parser.add_argument("--out", type=Path, help="folder for the reports (default: beside results.json)")
    options = parser.parse_args(args)
    document = load_document(options.results)
    for path in render_reports(document, options.out or options.results.parent):
        print(path)
    return 0
