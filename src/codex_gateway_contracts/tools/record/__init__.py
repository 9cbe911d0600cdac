"""``codex-contracts-record``: real Codex runs into VCR.py cassettes.

In the steps the modules are named for: :mod:`.scenarios` (what to run), :mod:`.script` (the scripted
endpoint), :mod:`.capture` (running Codex), :mod:`.scrub` (secrets and noise out), :mod:`.cassette`
(serialize, leak check, diff) and :mod:`.cli`.
"""
