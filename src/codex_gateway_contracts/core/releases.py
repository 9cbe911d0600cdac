"""Gateway releases: which package is installed under which version, and which known release is nearest.

A fork of a gateway is usually published under its own name (``aiyou-litellm 1.105.0`` provides the
``litellm`` module). Its version number is the fork's own, so it never names an upstream release's
expectations by accident; the user says which upstream release to compare with (``--contracts-baseline``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import zip_longest

from packaging.version import InvalidVersion, Version

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Release:
    """What is installed: the package (a distribution, an npm package, ...) and its version."""

    package: str
    version: str
    #: The upstream project's package name; any other name is a fork (or a repackaging) of it.
    upstream: str

    @property
    def fork(self) -> bool:
        """Published under another name than upstream's."""
        return self.package != self.upstream

    def __str__(self) -> str:
        return f"{self.package} {self.version}"


def parse(version: str) -> Version | None:
    """A PEP 440 version, or None (``unknown``, a git describe string, ...)."""
    try:
        return Version(version)
    except InvalidVersion:
        return None


def nearest(version: str, known: Iterable[str]) -> str | None:
    """The known release closest to ``version``: one of its two neighbours in version order.

    Of the two, the one that agrees with ``version`` on more leading components, then the smaller
    difference in the first component that differs; on a tie the older one (a fork follows a release it
    is based on). ``1.105.0`` among ``1.106.1, 1.108.7`` is ``1.106.1``; ``2.0.0`` is ``1.108.7``. A
    version that does not parse gets the newest known release.
    """
    usable = sorted((v, r) for r in known if (v := parse(r)) is not None)
    if not usable:
        return None
    target = parse(version)
    if target is None:
        return usable[-1][1]
    lower = [item for item in usable if item[0] <= target]
    upper = [item for item in usable if item[0] > target]
    neighbours = lower[-1:] + upper[:1]

    def distance(candidate: Version) -> tuple[int, int]:
        pairs = zip_longest(target.release, candidate.release, fillvalue=0)
        for index, (a, b) in enumerate(pairs):
            if a != b:
                return -index, abs(a - b)
        return -len(target.release) - 1, 0

    return min(neighbours, key=lambda item: (distance(item[0]), item[0]))[1]
