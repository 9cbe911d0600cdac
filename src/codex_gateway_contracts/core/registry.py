"""Things registered by name, in registration order: the wire formats and the gateway adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> item table; ``get`` of an unknown name raises ``error`` naming the known ones."""

    def __init__(self, what: str, error: Callable[[str], Exception] = KeyError) -> None:
        self.what = what
        self.error = error
        self._items: dict[str, T] = {}

    def add(self, name: str, item: T) -> None:
        """Register ``item`` as ``name`` (a later registration of the name replaces it)."""
        self._items[name] = item

    def remove(self, name: str) -> None:
        """Forget ``name`` (nothing happens when it is not registered)."""
        self._items.pop(name, None)

    def get(self, name: str) -> T:
        """The item registered as ``name``."""
        try:
            return self._items[name]
        except KeyError:
            raise self.error(f"unknown {self.what} {name!r}; known: {', '.join(self.names())}") from None

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        return tuple(self._items)

    def items(self) -> tuple[T, ...]:
        """Every registered item, in registration order."""
        return tuple(self._items.values())
