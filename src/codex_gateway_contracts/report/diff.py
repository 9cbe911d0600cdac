"""``report diff``: the cases whose verdict or findings changed between two runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .results import Document, title
from .routes import route_statuses


@dataclass(frozen=True)
class Change:
    """One case whose verdict or findings differ between two runs."""

    id: str
    old: str
    new: str
    gone: tuple[str, ...]
    added: tuple[str, ...]
    #: ``kind:path`` -> effect of the new findings that are leaks.
    effects: Mapping[str, str] = field(default_factory=dict)

    @property
    def worse(self) -> bool:
        """A new failure or a new finding: what should stop an upgrade."""
        return (self.old == "pass" and self.new != "pass") or (self.new != "pass" and bool(self.added))


@dataclass
class Diff:
    """Every difference between an old and a new results.json."""

    changes: list[Change] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def worse(self) -> list[Change]:
        """Cases that got worse."""
        return [c for c in self.changes if c.worse]


def _signature(case: Mapping[str, Any]) -> set[str]:
    return {f"{f['kind']}:{f['path']}" for f in case.get("findings", [])}


def diff_documents(old: Document, new: Document) -> Diff:
    """Compare two runs case by case (by id)."""
    before = {case["id"]: case for case in old["cases"]}
    after = {case["id"]: case for case in new["cases"]}
    diff = Diff(only_old=sorted(set(before) - set(after)), only_new=sorted(set(after) - set(before)))
    for cid in sorted(set(before) & set(after)):
        a, b = before[cid], after[cid]
        sa, sb = _signature(a), _signature(b)
        if a["verdict"] == b["verdict"] and sa == sb:
            diff.unchanged += 1
            continue
        effects = {f"{f['kind']}:{f['path']}": f["effect"] for f in b.get("findings", []) if f.get("effect")}
        added = tuple(sorted(sb - sa))
        changed = Change(
            cid,
            a["verdict"],
            b["verdict"],
            tuple(sorted(sa - sb)),
            added,
            {k: effects[k] for k in added if k in effects},
        )
        diff.changes.append(changed)
    return diff


def _route_changes(old: Document, new: Document) -> list[str]:
    """Routes whose "Codex works?" answer changed, old -> new."""
    before = {s.route: s for s in route_statuses(old)}
    changed = [
        (before[s.route], s)
        for s in route_statuses(new)
        if s.route in before and (before[s.route].answer, before[s.route].first) != (s.answer, s.first)
    ]
    if not changed:
        return []
    lines = [f"Codex works? changed on {len(changed)} route(s):"]
    lines += [f"  {b.route}: {a.text} -> {b.text}" for a, b in changed]
    return lines


def render_diff(old: Document, new: Document, diff: Diff) -> str:
    """Readable text: what got worse, what got better, what merely changed."""
    lines = [f"old: {title(old)} ({old['gateway'].get('config', '?')})"]
    lines.append(f"new: {title(new)} ({new['gateway'].get('config', '?')})")
    worse = diff.worse
    better = [c for c in diff.changes if c.old != "pass" and c.new == "pass"]
    other = [c for c in diff.changes if c not in worse and c not in better]
    for heading, group in (("worse", worse), ("better", better), ("changed", other)):
        if not group:
            continue
        lines.append(f"{heading} ({len(group)}):")
        for change in group:
            lines.append(f"  {change.id}: {change.old} -> {change.new}")
            if change.gone:
                lines.append(f"      gone: {', '.join(change.gone)}")
            if change.added:
                shown = [f"{f} ({change.effects[f]})" if f in change.effects else f for f in change.added]
                lines.append(f"      new:  {', '.join(shown)}")
    if diff.only_old:
        lines.append(f"only in old ({len(diff.only_old)}): {', '.join(diff.only_old)}")
    if diff.only_new:
        lines.append(f"only in new ({len(diff.only_new)}): {', '.join(diff.only_new)}")
    lines += _route_changes(old, new)
    lines.append(
        f"{len(worse)} worse, {len(better)} better, {len(other)} changed otherwise, {diff.unchanged} unchanged"
    )
    return "\n".join(lines) + "\n"
