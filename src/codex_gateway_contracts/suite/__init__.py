"""The contract suite itself, shipped in the package so it runs wherever the package is installed.

``pytest --pyargs codex_gateway_contracts`` collects it from an installed wheel; in a checkout,
``pytest tests/contracts`` collects the same tests (``tests/contracts`` imports them from here), and
``pytest`` given contract options but no test path runs exactly this folder (see ``plugin.py``).
"""
