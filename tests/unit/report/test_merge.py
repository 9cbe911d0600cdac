"""``report merge``: shards of one run join into the unsharded results.json; anything else is refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts import report
from codex_gateway_contracts.core.verdict import CaseResult

from ...conftest import ROOT

FIXTURE = ROOT / "tests" / "data" / "results-1.106.1-default.json"


def run_document() -> dict[str, Any]:
    """The fixture as a run writes it today (the fixture may predate a field results.json gained since)."""
    saved = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return report.results_document(saved["gateway"], [CaseResult.from_dict(case) for case in saved["cases"]])


def shards(document: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The document cut by route, round-robin, as --contracts-shard cuts a run (summaries recounted)."""
    routes = list(dict.fromkeys(case["route"] for case in document["cases"]))
    parts = []
    for index in range(count):
        mine = set(routes[index::count])
        cases = [case for case in document["cases"] if case["route"] in mine]
        summary: dict[str, int] = {}
        for case in cases:
            summary[case["verdict"]] = summary.get(case["verdict"], 0) + 1
        parts.append({"gateway": document["gateway"], "summary": summary, "cases": cases[::-1]})
    return parts


def write(tmp: Path, name: str, document: dict[str, Any]) -> Path:
    folder = tmp / name
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def test_merged_shards_are_the_unsharded_results_json_and_reports(tmp_path: Path) -> None:
    full = run_document()
    folders = [write(tmp_path, f"shard-{n}", part) for n, part in enumerate(shards(full, 3), start=1)]
    assert report.main(["merge", *map(str, folders), "--out", str(tmp_path / "merged")]) == 0
    merged = (tmp_path / "merged" / "results.json").read_text(encoding="utf-8")
    assert json.loads(merged) == full
    assert merged == json.dumps(full, indent=2, ensure_ascii=False) + "\n"  # byte for byte what a run writes
    assert sorted(p.name for p in (tmp_path / "merged").iterdir()) == [
        "junit.xml",
        "report.html",
        "report.md",
        "results.json",
    ]


def test_a_shard_of_another_gateway_version_is_refused_by_name(tmp_path: Path) -> None:
    one, two = shards(run_document(), 2)
    two["gateway"] = {**two["gateway"], "version": "1.108.7"}
    folders = [write(tmp_path, "a", one), write(tmp_path, "b", two)]
    with pytest.raises(SystemExit, match=r"b/results\.json ran another gateway than .*a/results\.json.*1\.108\.7"):
        report.main(["merge", *map(str, folders), "--out", str(tmp_path / "merged")])
    assert not (tmp_path / "merged").exists()


def test_a_case_in_two_shards_is_refused_naming_it(tmp_path: Path) -> None:
    one, _ = shards(run_document(), 2)
    first = write(tmp_path, "a", one)
    with pytest.raises(report.MergeError, match=rf"case {one['cases'][0]['id']} is in both .*a/results\.json"):
        report.merge_documents([(first / "results.json", one), (tmp_path / "again.json", one)])
    with pytest.raises(SystemExit, match="is in both"):
        report.main(["merge", str(first), str(first / "results.json"), "--out", str(tmp_path / "m")])


def test_merge_needs_an_out_folder_and_results(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        report.main(["merge", str(tmp_path)])
    with pytest.raises(SystemExit, match="cannot read"):
        report.main(["merge", str(tmp_path), "--out", str(tmp_path / "m")])
