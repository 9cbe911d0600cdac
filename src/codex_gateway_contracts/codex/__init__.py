"""The real Codex CLI, shared by the recorder (``tools/record``) and the end-to-end suite (``e2e``).

An npm install per version in the user cache (:mod:`.install`), a pinned environment and ``config.toml``
(:mod:`.config`), and ``codex exec`` bounded in time (:mod:`.run`).
"""
