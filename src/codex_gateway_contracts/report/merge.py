"""Merging the results.json of shards (``--contracts-shard K/N``) into the one an unsharded run writes.

Shards split a run by route, so their cases are disjoint and their ``gateway`` blocks equal; merging is
then the union of the cases, sorted by id, with the summary counted again. Anything else means the
shards are not parts of one run, and merging them would report a run that never happened: a gateway
block that differs (another version or config) or a case id that two shards both hold is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core.verdict import CaseResult
from ..errors import ContractsError
from .results import results_document


class MergeError(ContractsError):
    """The results.json files are not shards of one run; the message names the files and the difference."""


def merge_documents(documents: Sequence[tuple[Path, Mapping[str, Any]]]) -> dict[str, Any]:
    """One results.json document from the shards' ``(path, document)``; MergeError if they do not fit."""
    if not documents:
        raise MergeError("nothing to merge: no results.json given")
    first_path, first = documents[0]
    gateway = first.get("gateway", {})
    owners: dict[str, Path] = {}
    results: list[CaseResult] = []
    for path, document in documents:
        if document.get("gateway", {}) != gateway:
            raise MergeError(
                f"{path} ran another gateway than {first_path}: {document.get('gateway')} != {gateway} "
                f"(shards of one run share the gateway version and config)"
            )
        for case in document["cases"]:
            if case["id"] in owners:
                raise MergeError(
                    f"case {case['id']} is in both {owners[case['id']]} and {path}: "
                    f"shards of one run hold disjoint cases (the same shard given twice?)"
                )
            owners[case["id"]] = path
            results.append(CaseResult.from_dict(case))
    return results_document(gateway, results)
