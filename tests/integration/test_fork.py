"""A LiteLLM fork published under its own name, as aiyou-litellm is: detected by name, judged against a baseline.

The stand-in fork is a real LiteLLM (the release the reported-bug tests run, ``CGC_LITELLM_FIXED``) whose
``litellm`` module is provided by a distribution called ``acme-litellm 1.105.0``: a virtualenv that links
the release's packages but not its ``litellm-*.dist-info``. So the proxy behaves exactly like the upstream
release, and ``--contracts-baseline <that release>`` must fail no case at all.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from codex_gateway_contracts.gateways.litellm import litellm_release

from ..conftest import ROOT, litellm_binary, suite_command

FORK = ("acme-litellm", "1.105.0")


def interpreter(binary: str) -> str:
    return Path(binary).read_text(encoding="utf-8").splitlines()[0][2:].strip()


def make_fork(tmp: Path, binary: str) -> Path:
    """A virtualenv whose ``litellm`` is the given release's code under the distribution ``acme-litellm``."""
    python = interpreter(binary)
    site = subprocess.run(
        [python, "-c", "import litellm, pathlib; print(pathlib.Path(litellm.__file__).parents[1])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    venv = tmp / "fork"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (fork_site,) = (venv / "lib").glob("python*/site-packages")
    for entry in Path(site).iterdir():
        if not (entry.name.startswith("litellm-") and entry.name.endswith(".dist-info")):
            (fork_site / entry.name).symlink_to(entry)
    name, version = FORK
    metadata = fork_site / f"{name.replace('-', '_')}-{version}.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (metadata / "top_level.txt").write_text("litellm\n", encoding="utf-8")
    (metadata / "RECORD").write_text("litellm/__init__.py,,\n", encoding="utf-8")
    launcher = venv / "bin" / "litellm"
    launcher.write_text(
        f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom litellm import run_server\nsys.exit(run_server())\n",
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    return launcher


def test_a_fork_is_named_by_its_distribution_and_judged_against_its_baseline(tmp_path: Path) -> None:
    upstream = litellm_binary("CGC_LITELLM_FIXED")
    baseline = litellm_release(upstream)
    assert not baseline.fork and baseline.version != "unknown"
    fork = make_fork(tmp_path, upstream)
    release = litellm_release(str(fork))
    assert (release.package, release.version, release.fork) == (*FORK, True)  # read in the fork's interpreter
    report = tmp_path / "report"
    command, env = suite_command(
        tmp_path,
        "--contracts-litellm-bin",
        str(fork),
        "--contracts-baseline",
        baseline.version,
        "--contracts-route",
        "deepseek-chat",
        "--contracts-route",
        "gemini-2.5-pro",
        "--contracts-report",
        str(report),
    )
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]  # the fork is that release: it fails exactly as the baseline lists
    assert f"gateway: acme-litellm 1.105.0, judged against {baseline.version} (litellm-proxy;" in output
    assert f"expectations/litellm-{baseline.version}.yaml (baseline {baseline.version})" in output
    gateway = json.loads((report / "results.json").read_text(encoding="utf-8"))["gateway"]
    assert (gateway["package"], gateway["version"], gateway["baseline"]) == (*FORK, baseline.version)
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# Codex gateway contracts: acme-litellm 1.105.0, judged against {baseline.version}\n")
