"""Which TCP sockets a process group listens on, read from Linux's /proc (no ``ss``, no privileges).

Gateways must serve 127.0.0.1 only. The adapters ask for that on the command line, but a gateway may
ignore it (Portkey's own CLI has no host option and listens on every interface), so the suite checks
what the process tree really bound: every socket inode in ``/proc/<pid>/fd`` of the group's processes,
matched against the listening entries of ``/proc/<pid>/net/tcp`` and ``tcp6``.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_LISTEN = "0A"  # TCP_LISTEN in the st column of /proc/net/tcp


@dataclass(frozen=True)
class Listener:
    """One listening socket of a process."""

    pid: int
    address: str
    port: int

    @property
    def loopback(self) -> bool:
        """127.0.0.0/8, ::1 or an IPv4-mapped loopback address."""
        ip = ipaddress.ip_address(self.address)
        mapped = getattr(ip, "ipv4_mapped", None)
        return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port} (pid {self.pid})"


def supported() -> bool:
    """Whether this system has the /proc files the check reads (Linux)."""
    return (PROC / "self" / "net" / "tcp").is_file()


def group_pids(pgid: int) -> list[int]:
    """Every live process whose process group is ``pgid`` (a gateway and the workers it started)."""
    pids = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()  # after "pid (comm)": state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid):
            pids.append(int(entry.name))
    return sorted(pids)


def _socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    try:
        fds = list((PROC / str(pid) / "fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _decode(hex_address: str) -> str:
    """A /proc/net/tcp{,6} address: 32-bit words in host (little-endian) byte order."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def _listening_table(pid: int) -> dict[str, tuple[str, int]]:
    """Map inode -> (address, port) for every listening TCP socket in the process's network namespace."""
    table: dict[str, tuple[str, int]] = {}
    for name in ("tcp", "tcp6"):
        try:
            lines = (PROC / str(pid) / "net" / name).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) < 10 or parts[3] != _LISTEN:
                continue
            address, port = parts[1].rsplit(":", 1)
            table[parts[9]] = (_decode(address), int(port, 16))
    return table


def listeners(pgid: int) -> list[Listener]:
    """The listening TCP sockets held by the processes of group ``pgid``."""
    found: list[Listener] = []
    for pid in group_pids(pgid):
        table = _listening_table(pid)
        for inode in sorted(_socket_inodes(pid)):
            if inode in table:
                address, port = table[inode]
                found.append(Listener(pid, address, port))
    return sorted(set(found), key=lambda item: (item.pid, item.port, item.address))
