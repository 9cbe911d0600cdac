"""The commands a new user types work from the repository root, and self-tests never see the user's options.

Before issue #10, ``pytest --litellm-config FILE --contracts-report DIR`` from the root took its data from
pytest's rootdir, which pytest guesses from option values that exist on disk: with both paths outside the
repository the rootdir was a common ancestor of them and the run died with "provider catalogue folder not
found: /…/schemas/providers"; with paths inside it, every self-test ran too. And a self-test's sub-run
inherited ``PYTEST_ADDOPTS``. Collection is enough to tell (no gateway starts).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codex_gateway_contracts.core.cassettes import discover

from ..conftest import ROOT, isolated, suite_command

SUITE_FILES = {"test_codex_gateway.py", "test_hermetic.py"}
ROUTES_IN_EXAMPLE = 4  # examples/reported-bugs.yaml: azure-gpt-5.5, deepseek-chat, qwen-plus, kimi-k2


def collected(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_contract_options_without_a_path_run_exactly_the_contract_suite_from_the_root(tmp_path: Path) -> None:
    (tmp_path / "user").mkdir()
    config = shutil.copy(ROOT / "examples" / "reported-bugs.yaml", tmp_path / "user" / "proxy.yaml")
    (tmp_path / "out").mkdir()  # existing option values outside the repository: rootdir becomes their ancestor
    _, env = isolated(tmp_path / "isolation")
    cases = ROUTES_IN_EXAMPLE * len(discover(ROOT / "cassettes" / "codex"))
    for args in (
        ["--litellm-config", str(config), "--contracts-report", str(tmp_path / "out")],
        ["--litellm-config", "examples/reported-bugs.yaml", "--contracts-report", "reports/footgun-check"],
    ):
        command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)
        ids = collected(done)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert ids and {Path(i.split("::")[0]).name for i in ids} == SUITE_FILES, ids[:5]
        assert not any("data-error" in i for i in ids)
        assert sum("test_codex_request_through_gateway[" in i for i in ids) == cases
    assert not (ROOT / "reports" / "footgun-check").exists()  # collection writes no report


def test_self_test_sub_runs_ignore_the_users_contract_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a user may have exported for their own runs; the self-tests' sub-runs must not see it.
    monkeypatch.setenv("PYTEST_ADDOPTS", "--contracts-route nosuch -o contracts_concurrency=abc")
    command, env = suite_command(tmp_path, "--collect-only")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ids = collected(done)
    assert any(i.endswith("-deepseek-chat]") for i in ids) and not any("data-error" in i for i in ids)
