"""The bisect's search, state and selectors, with a fake runner: nothing is installed or run."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from codex_gateway_contracts.data import DataFolders
from codex_gateway_contracts.tools import bisect
from codex_gateway_contracts.tools.bisect import (
    BisectError,
    Bisector,
    CaseOutcome,
    Progress,
    Selector,
    SuiteRunner,
    Trial,
)

from ...conftest import ROOT

DATA = DataFolders(ROOT)

VERSIONS = [f"1.{minor}.0" for minor in range(80, 110)]
AZURE = Selector(routes=("azure",), finding="leak:stream_options.include_usage")
CASES = ("codex-0.1.0/basic-azure", "codex-0.1.0/tool_call-azure")


def leaking(version: str) -> Trial:
    findings = ("leak:stream_options.include_usage", "leak:unrelated")
    return Trial(version, "ok", cases={cid: CaseOutcome("leak", findings) for cid in CASES})


def clean(version: str) -> Trial:
    return Trial(version, "ok", cases={cid: CaseOutcome("pass", ()) for cid in CASES})


class FakeRunner:
    """Releases before ``fixed`` leak, the rest are clean; ``broken`` ones will not install."""

    def __init__(self, fixed: str, broken: set[str] | None = None, fail_after: int | None = None) -> None:
        self.fixed = fixed
        self.broken = broken or set()
        self.fail_after = fail_after
        self.calls: list[str] = []

    def __call__(self, version: str, progress: Progress) -> Trial:
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise KeyboardInterrupt
        self.calls.append(version)
        if version in self.broken:
            return Trial(version, "uninstallable", "No matching distribution found for certifi==2099.1.1")
        return leaking(version) if VERSIONS.index(version) < VERSIONS.index(self.fixed) else clean(version)


def run(
    runner: Callable[[str, Progress], Trial],
    versions: list[str] = VERSIONS,
    selector: Selector = AZURE,
    known: dict[str, Trial] | None = None,
    record: Callable[[Trial], None] | None = None,
) -> tuple[bisect.Result, str]:
    out = io.StringIO()
    result = Bisector(versions, selector, runner, Progress(out), known, record).run()
    return result, out.getvalue()


# -- the search ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("boundary", range(1, len(VERSIONS)))
def test_finds_every_possible_boundary_in_logarithmic_tries(boundary: int) -> None:
    runner = FakeRunner(VERSIONS[boundary])
    result, _ = run(runner)
    assert result.first_changed is not None and result.last_same is not None
    assert result.first_changed.version == VERSIONS[boundary]
    assert result.last_same.version == VERSIONS[boundary - 1]
    assert result.unjudged_between == []
    assert len(runner.calls) == len(set(runner.calls)) <= 2 + math.ceil(math.log2(len(VERSIONS) - 1))


def test_no_change_between_the_ends() -> None:
    runner = FakeRunner(VERSIONS[-1])
    result, _ = run(runner, versions=VERSIONS[:-1])
    assert result.first_changed is None
    assert runner.calls == [VERSIONS[0], VERSIONS[-2]]
    assert "no change between" in bisect.render_result(result, AZURE)[0]


def test_uninstallable_release_at_the_boundary_is_named_as_a_possible_culprit() -> None:
    boundary = 13
    runner = FakeRunner(VERSIONS[boundary], broken={VERSIONS[boundary]})
    result, out = run(runner)
    assert result.first_changed is not None and result.last_same is not None
    assert result.last_same.version == VERSIONS[boundary - 1]
    assert result.first_changed.version == VERSIONS[boundary + 1]
    assert [t.version for t in result.unjudged_between] == [VERSIONS[boundary]]
    assert f"{VERSIONS[boundary]}: installing" not in out  # the fake does not print; the bisector does
    assert "uninstallable: No matching distribution found for certifi==2099.1.1" in out
    assert "trying a neighbour" in out
    text = "\n".join(bisect.render_result(result, AZURE))
    assert "could not be judged:" in text
    assert f"    {VERSIONS[boundary]} (uninstallable: No matching distribution found for certifi==2099.1.1)" in text


def test_a_run_of_uninstallable_releases_next_to_the_boundary() -> None:
    boundary = 20
    broken = {VERSIONS[i] for i in range(16, 20)}  # just before the change
    result, _ = run(FakeRunner(VERSIONS[boundary], broken=broken))
    assert result.first_changed is not None and result.last_same is not None
    assert (result.last_same.version, result.first_changed.version) == (VERSIONS[15], VERSIONS[20])
    assert {t.version for t in result.unjudged_between} == broken
    text = "\n".join(bisect.render_result(result, AZURE))
    assert f"    {', '.join(VERSIONS[16:20])} (uninstallable: No matching distribution" in text  # one line per reason


def test_uninstallable_ends_move_inwards() -> None:
    runner = FakeRunner(VERSIONS[10], broken={VERSIONS[0], VERSIONS[1], VERSIONS[-1]})
    result, out = run(runner)
    assert (result.start.version, result.end.version) == (VERSIONS[2], VERSIONS[-2])
    assert result.first_changed is not None and result.first_changed.version == VERSIONS[10]
    assert "trying the next release as the older end" in out and "as the newer end" in out


def test_nothing_installable_is_an_error() -> None:
    with pytest.raises(BisectError, match="no release in the range"):
        run(FakeRunner(VERSIONS[3], broken=set(VERSIONS[:5])), versions=VERSIONS[:5])


def test_selector_matching_no_case_is_an_error() -> None:
    empty = lambda version, progress: Trial(version, "ok")  # noqa: E731
    with pytest.raises(BisectError, match="matched no case"):
        run(empty)


def test_finding_pattern_ignores_unrelated_drift() -> None:
    """Only the selected finding counts: a release that also changes other findings is not 'the' change."""

    def runner(version: str, progress: Progress) -> Trial:
        index = VERSIONS.index(version)
        trial = leaking(version) if index < 20 else clean(version)
        if 5 <= index < 20:  # an unrelated leak disappears earlier
            trial.cases = {cid: CaseOutcome("leak", ("leak:stream_options.include_usage",)) for cid in CASES}
        return trial

    result, _ = run(runner)
    assert result.first_changed is not None and result.first_changed.version == VERSIONS[20]
    everything = Selector(routes=("azure",))
    result, _ = run(runner, selector=everything)
    assert result.first_changed is not None and result.first_changed.version == VERSIONS[5]


def test_progress_lines_and_what_changed() -> None:
    result, out = run(FakeRunner(VERSIONS[7]))
    first_line = out.splitlines()[0]
    assert first_line.startswith(f"[1/{2 + math.ceil(math.log2(len(VERSIONS) - 1))}] {VERSIONS[0]}: ")
    assert "verdicts: leak 2 (leak:stream_options.include_usage in 2 of 2 cases)" in first_line
    text = "\n".join(bisect.render_result(result, AZURE))
    assert f"first release with a changed outcome: {VERSIONS[7]} (last like {VERSIONS[0]}: {VERSIONS[6]})" in text
    assert "2 case(s) (codex-0.1.0/basic-azure, codex-0.1.0/tool_call-azure): verdict leak -> pass" in text
    assert "findings gone: leak:stream_options.include_usage" in text
    assert "leak:unrelated" not in text  # outside the pattern


def test_single_case_summary_says_present_or_absent() -> None:
    selector = Selector(cases=(CASES[0],), finding="leak:stream_options.include_usage")
    trial = Trial("1.0.0", "ok", cases={CASES[0]: CaseOutcome("pass", ())})
    assert bisect.summary(trial, selector) == "verdict: pass (leak:stream_options.include_usage absent)"


# -- state ------------------------------------------------------------------------------------------------
def test_resume_from_state_does_not_rerun(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    known: dict[str, Trial] = {}

    def record(trial: Trial) -> None:
        known[trial.version] = trial
        bisect.save_state(state, AZURE, known)

    interrupted = FakeRunner(VERSIONS[11], broken={VERSIONS[14]}, fail_after=3)
    with pytest.raises(KeyboardInterrupt):
        run(interrupted, record=record)
    assert len(bisect.load_state(state)) == 3

    resumed = FakeRunner(VERSIONS[11], broken={VERSIONS[14]})
    result, out = run(resumed, known=bisect.load_state(state), record=record)
    assert not set(resumed.calls) & set(interrupted.calls)
    assert out.count("from the state file") == 3
    assert result.first_changed is not None and result.first_changed.version == VERSIONS[11]

    again = FakeRunner(VERSIONS[11])
    result2, _ = run(again, known=bisect.load_state(state))
    assert again.calls == []
    assert result2.first_changed is not None and result2.first_changed.version == VERSIONS[11]
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert list(saved["trials"]) == sorted(saved["trials"], key=bisect.Version)


def test_unreadable_state_says_how_to_recover(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    with pytest.raises(BisectError, match="--fresh"):
        bisect.load_state(state)


def test_state_file_depends_on_the_question(tmp_path: Path) -> None:
    config = tmp_path / "a.yaml"
    config.write_text("model_list: []\n", encoding="utf-8")
    one = bisect.state_path(tmp_path, AZURE, config, None)
    assert one == bisect.state_path(tmp_path, AZURE, config, None)
    assert one != bisect.state_path(tmp_path, Selector(routes=("azure",)), config, None)
    assert one != bisect.state_path(tmp_path, AZURE, None, None)
    config.write_text("model_list: [x]\n", encoding="utf-8")
    assert one != bisect.state_path(tmp_path, AZURE, config, None)


# -- selectors ---------------------------------------------------------------------------------------------
def case(cid: str, route: str, cassette: str) -> dict[str, object]:
    return {"id": cid, "route": route, "cassette": cassette}


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        (Selector(cases=("codex-0.2.0/basic-deepseek-chat",)), {"codex-0.2.0/basic-deepseek-chat"}),
        (
            Selector(routes=("deepseek-chat",)),
            {"codex-0.2.0/basic-deepseek-chat", "codex-0.1.0/tool_call-deepseek-chat"},
        ),
        (Selector(cassettes=("basic",)), {"codex-0.2.0/basic-deepseek-chat", "codex-0.2.0/basic-azure"}),
        (Selector(routes=("azure",), cassettes=("codex-0.2.0/basic",)), {"codex-0.2.0/basic-azure"}),
        (Selector(finding="leak:client_metadata"), None),
    ],
)
def test_selector_picks_cases(selector: Selector, selected: set[str] | None) -> None:
    cases = [
        case("codex-0.2.0/basic-deepseek-chat", "deepseek-chat", "codex-0.2.0/basic"),
        case("codex-0.1.0/tool_call-deepseek-chat", "deepseek-chat", "codex-0.1.0/tool_call"),
        case("codex-0.2.0/basic-azure", "azure", "codex-0.2.0/basic"),
    ]
    chosen = {c["id"] for c in cases if selector.selects(c)}
    assert chosen == (selected if selected is not None else {c["id"] for c in cases})


def test_finding_pattern_is_a_glob_over_kind_and_path() -> None:
    findings = ("leak:client_metadata", "leak:client_metadata.x", "drop:client_metadata", "leak:stream_options.a")
    assert Selector(finding="leak:client_metadata").matching(findings) == ("leak:client_metadata",)
    assert Selector(finding="leak:client_metadata*").matching(findings) == findings[:2]
    assert Selector(finding="*:client_metadata").matching(findings) == ("leak:client_metadata", "drop:client_metadata")
    assert Selector().matching(findings) == findings


def test_outcomes_read_results_json_signatures() -> None:
    document = json.loads((ROOT / "tests" / "data" / "results-1.83.14-reported-bugs.json").read_text("utf-8"))
    found = bisect.outcomes(document, Selector(routes=("azure-gpt-5.5",)))
    assert set(found) == {"codex-0.169.0/basic-azure-gpt-5.5", "codex-0.169.0/tool_call-azure-gpt-5.5"}
    assert found["codex-0.169.0/tool_call-azure-gpt-5.5"] == CaseOutcome("leak", ("leak:stream_options.include_usage",))


def test_case_ids_split_at_the_longest_cassette_and_become_pytest_options(tmp_path: Path) -> None:
    selector = Selector(cases=("codex-0.169.0/tool_call_deepseek-deepseek-chat", "codex-0.169.0/tool_call-azure"))
    runner = SuiteRunner(selector, DATA, tmp_path, tmp_path / "work")
    assert runner.case_parts() == [
        ("codex-0.169.0/tool_call_deepseek", "deepseek-chat"),
        ("codex-0.169.0/tool_call", "azure"),
    ]
    subset = runner.cassette_subset(tmp_path / "cassettes")
    assert subset is not None
    assert sorted(str(p.relative_to(subset)) for p in subset.rglob("*.yaml")) == [
        "0.169.0/tool_call.yaml",
        "0.169.0/tool_call_deepseek.yaml",
    ]
    command = runner.command(Path("/venv/bin/litellm"), tmp_path / "report", subset)
    assert command[command.index("--contracts-litellm-bin") + 1] == "/venv/bin/litellm"
    assert command[command.index("--contracts-expectations") + 1] == "none"
    assert [command[i + 1] for i, arg in enumerate(command) if arg == "--contracts-route"] == ["azure", "deepseek-chat"]
    bad = SuiteRunner(Selector(cases=("nonsense",)), DATA, tmp_path, tmp_path / "work")
    with pytest.raises(BisectError, match="starts with no cassette id"):
        bad.case_parts()


# -- release list, pip and logs ---------------------------------------------------------------------------
def test_release_list_keeps_releases_only_oldest_first() -> None:
    output = (
        "WARNING: pip index is currently an experimental command.\nlitellm (1.10.0)\n"
        "Available versions: 1.10.0, 1.9.1.post1, 1.9.1, 1.9.0rc2, 1.9.0, 1.8.0.dev3, 1.2.0\n"
    )
    assert bisect.parse_pip_index(output) == ["1.2.0", "1.9.0", "1.9.1", "1.9.1.post1", "1.10.0"]
    with pytest.raises(BisectError, match="Available versions"):
        bisect.parse_pip_index("ERROR: No matching distribution found for litellm")


def test_range_in_either_order_and_bad_ends() -> None:
    versions = ["1.2.0", "1.9.0", "1.9.1", "1.10.0", "1.11.0"]
    assert bisect.releases_between(versions, "1.10.0", "1.9.0") == ["1.9.0", "1.9.1", "1.10.0"]
    assert bisect.releases_between(versions, "1.9.0", "1.10.0") == ["1.9.0", "1.9.1", "1.10.0"]
    with pytest.raises(BisectError, match="not a release version"):
        bisect.releases_between(versions, "1.9.0rc1", "1.10.0")
    with pytest.raises(BisectError, match="not on the package index"):
        bisect.releases_between(versions, "1.9.5", "1.10.0")
    with pytest.raises(BisectError, match="same release"):
        bisect.releases_between(versions, "1.9.0", "1.9.0")


def test_release_list_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_run(command: list[str], **_: object) -> object:
        calls.append(command)
        return type("Done", (), {"returncode": 0, "stdout": "Available versions: 1.2.0, 1.1.0", "stderr": ""})()

    monkeypatch.setattr(bisect.subprocess, "run", fake_run)
    assert bisect.list_releases(tmp_path, "python") == ["1.1.0", "1.2.0"]
    assert bisect.list_releases(tmp_path, "python") == ["1.1.0", "1.2.0"]
    assert len(calls) == 1
    bisect.list_releases(tmp_path, "python", refresh=True)
    assert len(calls) == 2


def test_pip_reason_is_the_error_line() -> None:
    output = (
        "WARNING: Location 'file:///opt/pypi/simple/litellm/' is ignored\n"
        "ERROR: Could not find a version that satisfies the requirement certifi>=2026.7.1 (from litellm)\n"
        "ERROR: No matching distribution found for certifi>=2026.7.1\n"
    )
    assert bisect.pip_reason(output) == "No matching distribution found for certifi>=2026.7.1"
    found = "ERROR: Could not find a version that satisfies the requirement x>=2 (from versions: 0.1, 1.0, 1.5)\n"
    assert bisect.pip_reason(found) == "Could not find a version that satisfies the requirement x>=2"
    assert len(bisect.one_line("y" * 500)) == 200
    path = "ImportError: cannot import name 'x' from 'fastapi.utils' (/cache/litellm/1.95.0/lib/fastapi/utils.py)"
    assert bisect.one_line(path) == "ImportError: cannot import name 'x' from 'fastapi.utils'"
    assert bisect.pip_reason("WARNING: a\nsomething broke\n") == "something broke"


def test_failed_install_is_remembered(tmp_path: Path) -> None:
    with pytest.raises(bisect.InstallError):
        bisect.install("1.2.3", tmp_path, "/bin/false")
    failed = tmp_path / "litellm" / "1.2.3.failed"
    assert failed.is_file() and not (tmp_path / "litellm" / "1.2.3").exists()
    with pytest.raises(bisect.InstallError, match="cached; --retry-installs"):
        bisect.install("1.2.3", tmp_path, "/bin/false")


def test_constraints_get_their_own_virtualenv(tmp_path: Path) -> None:
    constraints = tmp_path / "c.txt"
    constraints.write_text("fastapi<0.140.7\n", encoding="utf-8")
    plain = bisect.venv_dir("1.95.0", tmp_path)
    pinned = bisect.venv_dir("1.95.0", tmp_path, constraints)
    assert plain == tmp_path / "litellm" / "1.95.0"
    assert pinned.parent == plain.parent and pinned.name.startswith("1.95.0-c") and pinned != plain


def test_log_reason_names_the_gateway_start_failure() -> None:
    log = (
        "E   codex_gateway_contracts.errors.GatewayError: LiteLLM exited with code 1 before it was ready.\n"
        "E                   ImportError: cannot import name 'get_flat_dependant' from 'fastapi.dependencies.utils'\n"
        "E                   ModuleNotFoundError: No module named 'proxy_server'\n"
    )
    reason = "ImportError: cannot import name 'get_flat_dependant' from 'fastapi.dependencies.utils'"
    assert bisect._log_reason(log) == f"LiteLLM would not start: {reason}"


# -- command line ---------------------------------------------------------------------------------------
def test_command_line_refuses_an_empty_selection(capsys: pytest.CaptureFixture[str]) -> None:
    assert bisect.main(["--good", "1.0.0", "--bad", "1.1.0"]) == 2
    assert "select something" in capsys.readouterr().err


def test_command_line_refuses_a_missing_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = bisect.main(
        ["--good", "1.0.0", "--bad", "1.1.0", "--route", "r", "--litellm-config", str(tmp_path / "none.yaml")]
    )
    assert code == 2 and "proxy config not found" in capsys.readouterr().err


def test_selection_is_checked_against_the_config_before_any_install(tmp_path: Path) -> None:
    config = ROOT / "examples" / "reported-bugs.yaml"
    SuiteRunner(
        Selector(routes=("azure-gpt-5.5",), cassettes=("tool_call",)), DATA, tmp_path, tmp_path, config=config
    ).validate()
    with pytest.raises(BisectError, match=r"no route azure-gpt-5\.4 in the proxy config \(routes: azure-gpt-5\.5, "):
        SuiteRunner(Selector(routes=("azure-gpt-5.4",)), DATA, tmp_path, tmp_path, config=config).validate()
    with pytest.raises(BisectError, match="no cassette tool_cal "):
        SuiteRunner(Selector(cassettes=("tool_cal",)), DATA, tmp_path, tmp_path, config=config).validate()
    with pytest.raises(BisectError, match="no route nowhere"):
        SuiteRunner(
            Selector(cases=("codex-0.169.0/basic-nowhere",)), DATA, tmp_path, tmp_path, config=config
        ).validate()
