"""Find the first LiteLLM release where a contract verdict changed.

``codex-contracts-bisect --good 1.83.14 --bad 1.106.1 --route azure-gpt-5.5 --finding 'leak:stream_options*'``
lists the releases in the range from the package index, installs each one it tries into a cached
virtualenv (``~/.cache/codex-gateway-contracts/litellm/<version>/``), runs the contract suite for just
the selected cases and binary-searches for the first release whose outcome differs from the older
end's. Releases that will not install (or whose gateway will not start) are skipped like ``git bisect
skip``: the search moves to a neighbour and the result says which releases it could not judge.

Every tried release is written to a state file as soon as it is judged, so an interrupted or repeated
bisect neither reinstalls nor reruns anything. The search itself (:class:`Bisector`) only sees a
``try_version`` callable, which is what the self-tests replace with a table.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, TextIO

from packaging.version import InvalidVersion, Version

from ..core.cassettes import Cassette, discover
from ..core.catalogue import load_catalogue
from ..core.deployments import load_deployments
from ..core.files import captured, locked, user_cache_dir, write_atomic
from ..data import SUITE, DataFolders, data_folders
from ..errors import BisectError, ContractsError, InstallError

PACKAGE = "litellm"
VERSION_LIST_TTL = timedelta(hours=24)
INSTALL_TIMEOUT = 30 * 60
RUN_TIMEOUT = 30 * 60
Status = Literal["ok", "uninstallable", "untestable"]


# -- what is looked at ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selector:
    """Which cases to run and which part of their outcome counts.

    Without ``finding`` a case's outcome is its verdict plus its findings (``kind:path``), the same
    notion the expectations files pin. With a ``finding`` glob only the matching findings count, so
    unrelated drift in other fields does not move the search.
    """

    cases: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    cassettes: tuple[str, ...] = ()
    finding: str | None = None

    def selects(self, case: Mapping[str, Any]) -> bool:
        """Whether a results.json case is one of the selected ones."""
        if self.cases and case["id"] not in self.cases:
            return False
        if self.routes and case["route"] not in self.routes:
            return False
        cassette = str(case["cassette"])
        scenario = cassette.split("/", 1)[-1]
        return not self.cassettes or cassette in self.cassettes or scenario in self.cassettes

    def matching(self, signature: Sequence[str]) -> tuple[str, ...]:
        """The findings that count (all of them without a pattern)."""
        if self.finding is None:
            return tuple(signature)
        return tuple(s for s in signature if fnmatch.fnmatchcase(s, self.finding))

    def describe(self) -> str:
        """One line for the progress header and the state file."""
        parts = [f"case {c}" for c in self.cases] + [f"route {r}" for r in self.routes]
        parts += [f"cassette {c}" for c in self.cassettes]
        parts.append(f"finding {self.finding}" if self.finding else "verdict and findings")
        return ", ".join(parts) if parts else "every case"


@dataclass(frozen=True)
class CaseOutcome:
    """One case's verdict and its findings as sorted, de-duplicated ``kind:path`` strings."""

    verdict: str
    findings: tuple[str, ...]


@dataclass
class Trial:
    """What one release did: its per-case outcomes, or why it could not be judged."""

    version: str
    status: Status
    reason: str = ""
    cases: dict[str, CaseOutcome] = field(default_factory=dict)
    install_seconds: float = 0.0
    run_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The state-file shape."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Trial:
        """Read a state-file entry."""
        cases = {cid: CaseOutcome(str(c["verdict"]), tuple(c["findings"])) for cid, c in raw.get("cases", {}).items()}
        return cls(
            str(raw["version"]),
            raw["status"],
            str(raw.get("reason", "")),
            cases,
            float(raw.get("install_seconds", 0.0)),
            float(raw.get("run_seconds", 0.0)),
        )


def outcomes(document: Mapping[str, Any], selector: Selector) -> dict[str, CaseOutcome]:
    """The selected cases of a results.json document."""
    out = {}
    for case in document.get("cases", []):
        if selector.selects(case):
            signature = sorted({f"{f['kind']}:{f['path']}" for f in case.get("findings", [])})
            out[str(case["id"])] = CaseOutcome(str(case["verdict"]), tuple(signature))
    return out


def key(trial: Trial, selector: Selector) -> tuple[tuple[str, Any], ...]:
    """What must be equal for two releases to count as behaving the same."""
    if selector.finding is not None:
        return tuple((cid, selector.matching(o.findings)) for cid, o in sorted(trial.cases.items()))
    return tuple((cid, (o.verdict, o.findings)) for cid, o in sorted(trial.cases.items()))


def summary(trial: Trial, selector: Selector) -> str:
    """``verdict: pass (leak:x absent)`` for one case; counts for several."""
    if trial.status != "ok":
        return f"{trial.status}: {one_line(trial.reason)}"
    verdicts = Counter(o.verdict for o in trial.cases.values())
    if len(trial.cases) == 1:
        text = f"verdict: {next(iter(verdicts))}"
    else:
        text = "verdicts: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items()))
    if selector.finding is not None:
        hits = sum(1 for o in trial.cases.values() if selector.matching(o.findings))
        if len(trial.cases) == 1:
            text += f" ({selector.finding} {'present' if hits else 'absent'})"
        else:
            text += f" ({selector.finding} in {hits} of {len(trial.cases)} cases)"
    return text


# -- release list -----------------------------------------------------------------------------------
def is_release(text: str) -> bool:
    """A final release (post-releases included): no rc, beta, alpha or dev."""
    try:
        version = Version(text)
    except InvalidVersion:
        return False
    return not version.is_prerelease and not version.is_devrelease


def parse_pip_index(output: str) -> list[str]:
    """The versions in ``pip index versions`` output, oldest first, releases only."""
    for line in output.splitlines():
        if line.strip().startswith("Available versions:"):
            found = [v.strip() for v in line.split(":", 1)[1].split(",") if v.strip()]
            return sorted((v for v in found if is_release(v)), key=Version)
    raise BisectError(f"pip index versions printed no 'Available versions:' line:\n{output.strip()[-800:]}")


def list_releases(cache: Path, python: str, refresh: bool = False) -> list[str]:
    """Every LiteLLM release on the configured index; cached for a day in ``cache/litellm/versions.json``."""
    store = cache / PACKAGE / "versions.json"
    if not refresh and store.is_file():
        raw = json.loads(store.read_text(encoding="utf-8"))
        fetched = datetime.fromisoformat(raw["fetched"])
        if datetime.now(timezone.utc) - fetched < VERSION_LIST_TTL:
            return list(raw["versions"])
    done = captured([python, "-m", "pip", "index", "versions", PACKAGE, "--disable-pip-version-check"], timeout=300)
    if done.returncode != 0:
        raise BisectError(f"pip index versions {PACKAGE} failed: {pip_reason(done.stdout + done.stderr)}")
    versions = parse_pip_index(done.stdout)
    store.parent.mkdir(parents=True, exist_ok=True)
    document = {"fetched": datetime.now(timezone.utc).isoformat(), "versions": versions}
    store.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return versions


def releases_between(versions: Sequence[str], one: str, other: str) -> list[str]:
    """The releases from the older to the newer of two ends, inclusive, oldest first."""
    for end in (one, other):
        if not is_release(end):
            raise BisectError(f"{end!r} is not a release version (e.g. 1.83.14)")
        if end not in versions:
            raise BisectError(f"{PACKAGE} {end} is not on the package index (try --refresh-versions)")
    low, high = sorted((one, other), key=Version)
    if low == high:
        raise BisectError("--good and --bad name the same release")
    return [v for v in sorted(versions, key=Version) if Version(low) <= Version(v) <= Version(high)]


def pip_reason(output: str) -> str:
    """The line of pip's output that says why it failed, without the list of versions it did find."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line[len("ERROR:") :].strip() for line in lines if line.startswith("ERROR:")]
    missing = [line for line in errors if line.startswith("No matching distribution")]
    useful = [line for line in lines if not line.startswith("WARNING:")]
    return one_line((missing or errors or useful[-1:] or lines[-1:] or ["(no output)"])[0])


def one_line(reason: str, limit: int = 200) -> str:
    """A reason short enough for a progress line."""
    reason = re.sub(r"\s*\(from versions: [^)]*\)", "", " ".join(reason.split()))
    reason = re.sub(r" \((?:/|[A-Za-z]:\\)[^)]*\)", "", reason)  # a file path makes equal reasons look different
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


# -- the search -------------------------------------------------------------------------------------
@dataclass
class Result:
    """The outcome of a bisect: the last release like the older end, the first one unlike it."""

    start: Trial
    end: Trial
    last_same: Trial | None = None
    first_changed: Trial | None = None
    unjudged_between: list[Trial] = field(default_factory=list)
    tries: int = 0


class Progress:
    """Progress lines on a stream; a line may be built up while a long step runs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        """Part of the current line."""
        self.stream.write(text)
        self.stream.flush()

    def line(self, text: str = "") -> None:
        """End the current line."""
        self.write(text + "\n")


class Bisector:
    """Binary search over releases, oldest first, for the first one whose outcome differs from the oldest's.

    It assumes one change in the range (like ``git bisect``); with several it finds one of them.
    """

    def __init__(
        self,
        versions: Sequence[str],
        selector: Selector,
        try_version: Callable[[str, Progress], Trial],
        progress: Progress,
        known: Mapping[str, Trial] | None = None,
        record: Callable[[Trial], None] | None = None,
    ) -> None:
        if len(versions) < 2:
            raise BisectError("the range holds fewer than two releases")
        self.versions = list(versions)
        self.selector = selector
        self.try_version = try_version
        self.progress = progress
        self.trials: dict[str, Trial] = dict(known or {})
        self.record = record
        self.tries = 0

    def _estimate(self, low: int, high: int) -> int:
        return self.tries + max(0, math.ceil(math.log2(max(high - low, 1))))

    def judge(self, index: int, total: int) -> Trial:
        """The trial of one release: from the state file, or installed and run now."""
        version = self.versions[index]
        self.tries += 1
        self.progress.write(f"[{self.tries}/{max(total, self.tries)}] {version}: ")
        trial = self.trials.get(version)
        if trial is not None:
            self.progress.line(f"from the state file; {summary(trial, self.selector)}")
            return trial
        trial = self.try_version(version, self.progress)
        self.trials[version] = trial
        if self.record is not None:
            self.record(trial)
        self.progress.line(summary(trial, self.selector))
        return trial

    def _end(self, indices: Iterator[int], total: Callable[[], int], name: str) -> tuple[int, Trial]:
        for index in indices:
            trial = self.judge(index, total())
            if trial.status == "ok":
                if not trial.cases:
                    raise BisectError(
                        f"{self.versions[index]}: the selector ({self.selector.describe()}) matched no case"
                    )
                return index, trial
            self.progress.line(f"  {self.versions[index]} cannot be judged; trying the next release as the {name}")
        raise BisectError("no release in the range could be installed and run")

    def run(self) -> Result:
        """Judge both ends, then halve the range between the last same and the first different release."""
        n = len(self.versions)
        low, start = self._end(iter(range(n)), lambda: 2 + self._estimate(0, n - 1), "older end")
        high, end = self._end(iter(range(n - 1, low, -1)), lambda: 1 + self._estimate(low, n - 1), "newer end")
        result = Result(start, end)
        reference = key(start, self.selector)
        if key(end, self.selector) == reference:
            result.tries = self.tries
            return result
        unjudged: set[int] = set()
        while True:
            index = self._pick(low, high, unjudged)
            if index is None:
                break
            trial = self.judge(index, self._estimate(low, high))
            if trial.status != "ok":
                unjudged.add(index)
                self.progress.line(f"  {trial.version} cannot be judged; trying a neighbour")
                continue
            if key(trial, self.selector) == reference:
                low = index
            else:
                high = index
        result.last_same = self.trials[self.versions[low]]
        result.first_changed = self.trials[self.versions[high]]
        result.unjudged_between = [self.trials[self.versions[i]] for i in sorted(unjudged) if low < i < high]
        result.tries = self.tries
        return result

    @staticmethod
    def _pick(low: int, high: int, unjudged: set[int]) -> int | None:
        """The judgeable release nearest the middle of the open interval, or None when none is left."""
        middle = (low + high) // 2
        for distance in range(high - low):
            for index in (middle + distance, middle - distance):
                if low < index < high and index not in unjudged:
                    return index
        return None


def describe_change(before: Trial, after: Trial, selector: Selector) -> list[str]:
    """What changed between two releases, cases with the same change grouped on one line."""
    groups: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for cid in sorted(set(before.cases) | set(after.cases)):
        old = before.cases.get(cid, CaseOutcome("(absent)", ()))
        new = after.cases.get(cid, CaseOutcome("(absent)", ()))
        old_f, new_f = set(selector.matching(old.findings)), set(selector.matching(new.findings))
        if old_f == new_f and (selector.finding is not None or old.verdict == new.verdict):
            continue
        change = (old.verdict, new.verdict, tuple(sorted(old_f - new_f)), tuple(sorted(new_f - old_f)))
        groups.setdefault(change, []).append(cid)
    lines = []
    for (old_v, new_v, gone, added), ids in groups.items():
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        lines.append(f"  {len(ids)} case(s) ({shown}): verdict {old_v} -> {new_v}")
        if gone:
            lines.append(f"    findings gone: {', '.join(gone)}")
        if added:
            lines.append(f"    findings new:  {', '.join(added)}")
    return lines


def render_result(result: Result, selector: Selector) -> list[str]:
    """The closing lines: the release that changed and what changed."""
    start, end = result.start, result.end
    if result.first_changed is None or result.last_same is None:
        return [
            f"no change between {start.version} and {end.version} for {selector.describe()} "
            f"({summary(start, selector)}); {result.tries} release(s) tried"
        ]
    first, last = result.first_changed, result.last_same
    lines = [f"first release with a changed outcome: {first.version} (last like {start.version}: {last.version})"]
    if result.unjudged_between:
        reasons: dict[str, list[str]] = {}
        for trial in result.unjudged_between:
            reasons.setdefault(f"{trial.status}: {one_line(trial.reason)}", []).append(trial.version)
        lines.append("  the change may instead be in one of these releases, which could not be judged:")
        lines += [f"    {', '.join(versions)} ({reason})" for reason, versions in reasons.items()]
    lines.append(f"  {last.version}: {summary(last, selector)}")
    lines.append(f"  {first.version}: {summary(first, selector)}")
    lines += describe_change(last, first, selector)
    lines.append(f"{result.tries} release(s) tried")
    return lines


# -- installing and running ---------------------------------------------------------------------------
def venv_dir(version: str, cache: Path, constraints: Path | None = None) -> Path:
    """``cache/litellm/<version>``; with pip constraints, ``<version>-c<hash>`` so the two never mix."""
    name = version
    if constraints is not None:
        name += "-c" + hashlib.sha256(constraints.read_bytes()).hexdigest()[:8]
    return cache / PACKAGE / name


def is_installed(venv: Path) -> bool:
    """A complete virtualenv (the marker is written last)."""
    return (venv / ".cgc-installed").is_file() and (venv / "bin" / "litellm").is_file()


def install(
    version: str, cache: Path, python: str, constraints: Path | None = None, retry_failed: bool = False
) -> tuple[Path, float, bool]:
    """The ``litellm`` executable of a cached virtualenv of ``litellm[proxy]==version``.

    Returns the executable, the seconds the install took and whether it was installed now. A failed
    install leaves ``<venv>.failed`` with pip's reason, so other bisects skip it without retrying.
    ``constraints`` is a pip constraints file, for releases whose unpinned dependencies have since
    moved on (e.g. ``fastapi<0.140.7`` for LiteLLM 1.95-1.10x, which import a function fastapi removed).
    """
    venv = venv_dir(version, cache, constraints)
    done_marker, failed, binary = (
        venv / ".cgc-installed",
        venv.with_name(venv.name + ".failed"),
        venv / "bin" / "litellm",
    )
    # Two bisects sharing the cache never build the same virtualenv at once.
    with locked(venv.with_name(venv.name + ".lock")):
        if is_installed(venv):
            return binary, 0.0, False
        if failed.is_file() and not retry_failed:
            raise InstallError(failed.read_text(encoding="utf-8").strip() + " (cached; --retry-installs to retry)")
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        if constraints is not None:
            pip += ["-c", str(constraints)]
        for command in ([python, "-m", "venv", str(venv)], [*pip, f"{PACKAGE}[proxy]=={version}"]):
            try:
                done = captured(command, timeout=INSTALL_TIMEOUT)
            except subprocess.TimeoutExpired:
                done = subprocess.CompletedProcess(command, 1, "", f"ERROR: timed out after {INSTALL_TIMEOUT} s")
            if done.returncode != 0:
                reason = pip_reason(done.stdout + "\n" + done.stderr)
                shutil.rmtree(venv, ignore_errors=True)
                failed.write_text(reason + "\n", encoding="utf-8")
                raise InstallError(reason)
        done_marker.write_text(version + "\n", encoding="utf-8")
        failed.unlink(missing_ok=True)
        return binary, time.monotonic() - started, True


@dataclass
class SuiteRunner:
    """Installs a release and runs the selected cases through it; a :class:`Bisector` ``try_version``."""

    selector: Selector
    #: The schemas and cassettes the suite judges with (the suite's own data by default).
    data: DataFolders
    cache: Path
    work: Path
    python: str = sys.executable
    config: Path | None = None
    cassettes: Path | None = None
    constraints: Path | None = None
    retry_installs: bool = False

    def __call__(self, version: str, progress: Progress) -> Trial:
        """Install (or reuse) the release, run the suite on it and read the selected cases back."""
        cached = is_installed(venv_dir(version, self.cache, self.constraints))
        progress.write("cached venv; " if cached else "installing… ")
        try:
            binary, seconds, fresh = install(version, self.cache, self.python, self.constraints, self.retry_installs)
        except InstallError as exc:
            progress.write("failed; ")
            return Trial(version, "uninstallable", str(exc))
        if not cached:
            progress.write(f"ok, {seconds:.0f} s; " if fresh else "installed meanwhile by another bisect; ")
        progress.write("running… ")
        started = time.monotonic()
        trial = self.run(version, binary)
        trial.install_seconds, trial.run_seconds = seconds, time.monotonic() - started
        progress.write(f"{trial.run_seconds:.0f} s; ")
        return trial

    def command(self, binary: Path, report: Path, cassettes: Path | None) -> list[str]:
        """The pytest command line for one release."""
        command = [self.python, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider", "--rootdir", str(report)]
        command += ["--contracts-schemas", str(self.data.schemas)]
        command += ["--contracts-cassettes", str(cassettes or self.data.cassettes)]
        command += ["--contracts-litellm-bin", str(binary), "--contracts-expectations", "none"]
        command += ["--contracts-report", str(report)]
        if self.config is not None:
            command += ["--litellm-config", str(self.config)]
        for route in sorted(set(self.selector.routes) | {route for _, route in self.case_parts()}):
            command += ["--contracts-route", route]
        return command

    def case_parts(self) -> list[tuple[str, str]]:
        """``(cassette id, route)`` of every ``--case``, split at the longest known cassette id."""
        ids = [c.id for c in self._cassettes()] if self.selector.cases else []
        parts = []
        for case in self.selector.cases:
            prefixes = [c for c in ids if case.startswith(c + "-")]
            if not prefixes:
                raise BisectError(f"case {case!r} starts with no cassette id (ids look like {ids[0] if ids else '?'})")
            cassette = max(prefixes, key=len)
            parts.append((cassette, case[len(cassette) + 1 :]))
        return parts

    def validate(self) -> None:
        """Fail on a selection that matches nothing before anything is installed."""
        parts = self.case_parts()
        try:
            catalogue = load_catalogue(self.data.schemas / "providers")
            routes = {d.route for d in load_deployments(catalogue, self.config).deployments}
            cassettes = self._cassettes()
        except ContractsError as exc:
            raise BisectError(str(exc)) from exc
        unknown = sorted((set(self.selector.routes) | {route for _, route in parts}) - routes)
        if unknown:
            raise BisectError(
                f"no route {', '.join(unknown)} in the proxy config (routes: {', '.join(sorted(routes))})"
            )
        names = {c.id for c in cassettes} | {c.scenario for c in cassettes}
        missing = sorted(set(self.selector.cassettes) - names)
        if missing:
            raise BisectError(f"no cassette {', '.join(missing)} (e.g. {cassettes[0].id} or {cassettes[0].scenario})")

    def _cassettes(self) -> list[Cassette]:
        return discover(self.cassettes or self.data.cassettes)

    def cassette_subset(self, into: Path) -> Path | None:
        """A cassette folder with only the selected cassettes (symlinks), or None to use them all."""
        wanted = set(self.selector.cassettes) | {cassette for cassette, _ in self.case_parts()}
        if not wanted:
            return self.cassettes
        chosen = [c for c in self._cassettes() if c.id in wanted or c.scenario in wanted]
        if not chosen:
            raise BisectError(f"no cassette matches {', '.join(sorted(wanted))}")
        for cassette in chosen:
            target = into / cassette.codex_version / cassette.path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(cassette.path.resolve())
        return into

    def run(self, version: str, binary: Path) -> Trial:
        """Run the suite once; no results.json means the gateway could not be judged (e.g. it would not start)."""
        out = self.work / version
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        with tempfile.TemporaryDirectory(prefix="cgc-bisect-") as temporary:
            cassettes = self.cassette_subset(Path(temporary))
            command = self.command(binary, out, cassettes)
            with (out / "pytest.log").open("w", encoding="utf-8") as log:
                try:
                    done = subprocess.run(
                        command,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=out,
                        timeout=RUN_TIMEOUT,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    return Trial(version, "untestable", f"the suite did not finish within {RUN_TIMEOUT} s")
        text = (out / "pytest.log").read_text(encoding="utf-8", errors="replace")
        if done.returncode == 4:  # pytest usage error: the selector or config is wrong, not the release
            raise BisectError(f"the suite refused the selection: {_log_reason(text)}")
        report = out / "results.json"
        if not report.is_file():
            return Trial(version, "untestable", _log_reason(text))
        cases = outcomes(json.loads(report.read_text(encoding="utf-8")), self.selector)
        errors = [cid for cid, o in cases.items() if o.verdict == "error"]
        if errors:
            return Trial(version, "untestable", f"{len(errors)} case(s) ended in error, e.g. {errors[0]}")
        return Trial(version, "ok", cases=cases)


def _log_reason(text: str) -> str:
    """The root cause in a failed run's log: the gateway's own first exception if it would not start."""
    lines = text.splitlines()
    if any("before it was ready" in line or "did not become ready" in line for line in lines):
        for line in lines:
            match = _EXCEPTION.match(line)
            if match and "GatewayError" not in match.group(1):
                return f"LiteLLM would not start: {match.group(1)}"[:300]
        return "LiteLLM would not start (see pytest.log)"
    for marker in ("UsageError", "GatewayError", "ERROR"):
        for line in lines:
            if marker in line:
                return line.strip()[:300]
    useful = [line for line in lines if line.strip()]
    return useful[-1].strip()[:300] if useful else "(no output)"


_EXCEPTION = re.compile(r"^E\s+(\w+(?:Error|Exception): .*)$")


# -- state -----------------------------------------------------------------------------------------------
def state_path(
    cache: Path, selector: Selector, config: Path | None, cassettes: Path | None, constraints: Path | None = None
) -> Path:
    """One state file per question: same selector, config, cassettes and constraints share it."""
    digest = hashlib.sha256()
    digest.update(selector.describe().encode())
    digest.update(config.read_bytes() if config else b"(generated config)")
    digest.update(str(cassettes or "(default cassettes)").encode())
    digest.update(constraints.read_bytes() if constraints else b"(no constraints)")
    return cache / "bisect" / f"{digest.hexdigest()[:16]}.json"


def load_state(path: Path) -> dict[str, Trial]:
    """The trials already judged; a missing file is an empty state."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {version: Trial.from_dict(entry) for version, entry in raw.get("trials", {}).items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise BisectError(f"state file {path} is unreadable ({exc}); delete it or pass --fresh") from exc


def save_state(path: Path, selector: Selector, trials: Mapping[str, Trial]) -> None:
    """Write the state atomically, so an interrupt never leaves half a file."""
    document = {
        "selector": selector.describe(),
        "trials": {v: trials[v].as_dict() for v in sorted(trials, key=Version)},
    }
    write_atomic(path, json.dumps(document, indent=1) + "\n")


# -- command line ------------------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="codex-contracts-bisect",
        description="Find the first LiteLLM release where the contract verdict of some cases changed.",
    )
    p.add_argument("--good", required=True, metavar="VERSION", help="one end of the range (either order)")
    p.add_argument("--bad", required=True, metavar="VERSION", help="the other end of the range")
    p.add_argument("--litellm-config", metavar="YAML", help="proxy config (default: the generated one)")
    p.add_argument("--case", action="append", default=[], metavar="ID", help="exact case id (repeatable)")
    p.add_argument("--route", action="append", default=[], metavar="R", help="route / model_name (repeatable)")
    p.add_argument("--cassette", action="append", default=[], metavar="C", help="cassette id or scenario")
    p.add_argument("--finding", metavar="KIND:PATH", help="glob over findings, e.g. leak:client_metadata")
    p.add_argument("--cassettes", metavar="DIR", help="cassette folder (default: the suite's)")
    p.add_argument("--data-root", metavar="DIR", help="folder holding schemas/ and cassettes/ (default: the suite's)")
    p.add_argument("--cache", metavar="DIR", help=f"virtualenvs and state (default: {user_cache_dir()})")
    p.add_argument("--state", metavar="FILE", help="state file (default: one per selector and config in the cache)")
    p.add_argument("--pip-constraint", metavar="FILE", help="pip constraints for every install (e.g. fastapi<0.140.7)")
    p.add_argument("--python", default=sys.executable, help="interpreter for the virtualenvs (default: this one)")
    p.add_argument("--fresh", action="store_true", help="ignore the state file's earlier trials")
    p.add_argument("--refresh-versions", action="store_true", help="re-read the release list from the index")
    p.add_argument("--retry-installs", action="store_true", help="retry releases that failed to install before")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when a change was found, 1 when both ends behave the same, 2 on bad input."""
    args = parser().parse_args(argv)
    progress = Progress(sys.stdout)
    try:
        if not (args.case or args.route or args.cassette or args.finding):
            raise BisectError("select something: --case, --route/--cassette, or --finding")
        selector = Selector(tuple(args.case), tuple(args.route), tuple(args.cassette), args.finding)
        cache = Path(args.cache).expanduser() if args.cache else user_cache_dir()
        config = Path(args.litellm_config).resolve() if args.litellm_config else None
        if config is not None and not config.is_file():
            raise BisectError(f"proxy config not found: {config}")
        cassettes = Path(args.cassettes).resolve() if args.cassettes else None
        constraints = Path(args.pip_constraint).resolve() if args.pip_constraint else None
        if constraints is not None and not constraints.is_file():
            raise BisectError(f"constraints file not found: {constraints}")
        data = DataFolders(Path(args.data_root).resolve()) if args.data_root else data_folders()
        state_file = Path(args.state) if args.state else state_path(cache, selector, config, cassettes, constraints)
        known = {} if args.fresh else load_state(state_file)
        if args.retry_installs:  # releases that failed before get another chance
            known = {version: trial for version, trial in known.items() if trial.status == "ok"}
        versions = releases_between(list_releases(cache, args.python, args.refresh_versions), args.good, args.bad)
        runner = SuiteRunner(
            selector, data, cache, state_file.with_suffix(""), args.python, config, cassettes, constraints
        )
        runner.retry_installs = args.retry_installs
        runner.validate()
        progress.line(
            f"bisecting {len(versions)} releases {versions[0]} … {versions[-1]} for {selector.describe()}; "
            f"config: {config or 'generated'}; constraints: {constraints or 'none'}; state: {state_file}"
        )

        def record(trial: Trial) -> None:
            known[trial.version] = trial
            save_state(state_file, selector, known)

        result = Bisector(versions, selector, runner, progress, known, record).run()
    except BisectError as exc:
        print(f"codex-contracts-bisect: {exc}", file=sys.stderr)
        return 2
    for line in render_result(result, selector):
        progress.line(line)
    return 0 if result.first_changed is not None else 1


if __name__ == "__main__":
    sys.exit(main())
