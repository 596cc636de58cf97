"""Run a command with no network and record every DNS query it makes.

    python scripts/offline.py [--log queries.jsonl] [--timeout S] -- COMMAND [ARGS...]

The command runs inside a new user + network + mount namespace (`unshare -rnm`): the only interface is the
loopback, so nothing can leave the machine. In there this script brings `lo` up, starts a DNS stub on
127.0.0.1:53 (UDP and TCP) that records each query's name and type and answers NXDOMAIN, and bind-mounts a
resolv.conf naming only that stub over /etc/resolv.conf, so a lookup fails at once (as with no network) and is
recorded rather than lost. Names in /etc/hosts (localhost) are answered from the file and never queried.

Exit status: the command's; 125 when the namespace cannot be made (no unshare, user namespaces disabled).
The queries go to `--log` as JSON lines ({"name", "type", "proto", "t"}), and a summary line to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NO_NAMESPACE = 125
QTYPES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    12: "PTR",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    33: "SRV",
    65: "HTTPS",
}


def namespaces_available() -> str | None:
    """None when `unshare -rnm` works here, else why not."""
    if shutil.which("unshare") is None:
        return "no unshare command"
    try:
        done = subprocess.run(["unshare", "-rnm", "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare -rnm failed: {exc}"
    if done.returncode != 0:
        return f"unshare -rnm failed: {done.stderr.strip() or done.returncode}"
    return None


def _question(packet: bytes) -> tuple[str, str, int]:
    """(query name, query type, offset after the question) of a DNS message."""
    labels, i = [], 12
    while i < len(packet) and packet[i]:
        length = packet[i]
        labels.append(packet[i + 1 : i + 1 + length].decode("ascii", "replace"))
        i += 1 + length
    qtype = struct.unpack("!H", packet[i + 1 : i + 3])[0] if i + 3 <= len(packet) else 0
    return ".".join(labels), QTYPES.get(qtype, str(qtype)), i + 5


def _nxdomain(packet: bytes, end: int) -> bytes:
    flags = struct.unpack("!H", packet[2:4])[0]
    answer_flags = 0x8000 | (flags & 0x7900) | 0x0080 | 3  # response, opcode + RD kept, RA, NXDOMAIN
    return packet[:2] + struct.pack("!HHHHH", answer_flags, 1, 0, 0, 0) + packet[12:end]


class Stub:
    """The recording DNS server on 127.0.0.1:53."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.lock = threading.Lock()
        self.count = 0
        self.t0 = time.monotonic()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 53))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 53))
        self.tcp.listen(16)
        for target in (self._serve_udp, self._serve_tcp):
            threading.Thread(target=target, daemon=True).start()

    def _record(self, packet: bytes, proto: str) -> bytes | None:
        if len(packet) < 12:
            return None
        name, qtype, end = _question(packet)
        entry = {"name": name, "type": qtype, "proto": proto, "t": round(time.monotonic() - self.t0, 3)}
        with self.lock:
            self.count += 1
            with self.log.open("a") as f:
                f.write(json.dumps(entry) + "\n")
        return _nxdomain(packet, end)

    def _serve_udp(self) -> None:
        while True:
            packet, peer = self.udp.recvfrom(4096)
            reply = self._record(packet, "udp")
            if reply:
                self.udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        while True:
            conn, _ = self.tcp.accept()
            with conn:
                try:
                    size = struct.unpack("!H", conn.recv(2))[0]
                    packet = b""
                    while len(packet) < size:
                        chunk = conn.recv(size - len(packet))
                        if not chunk:
                            break
                        packet += chunk
                    reply = self._record(packet, "tcp")
                    if reply:
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
                except (OSError, struct.error):
                    pass


def _loopback_up() -> None:
    if shutil.which("ip") and subprocess.run(["ip", "link", "set", "lo", "up"]).returncode == 0:
        return
    import fcntl

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, siocgifflags, request))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14s", b"lo", flags | iff_up, b""))


def _inside(log: Path, timeout: float | None, command: list[str]) -> int:
    _loopback_up()
    stub = Stub(log)
    with tempfile.NamedTemporaryFile("w", suffix=".resolv.conf", delete=False) as f:
        f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    subprocess.run(["mount", "--bind", f.name, "/etc/resolv.conf"], check=True)
    try:
        code = subprocess.run(command, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        print(f"offline.py: the command ran past {timeout} s and was stopped", file=sys.stderr)
        code = 124
    finally:
        os.unlink(f.name)
    time.sleep(0.2)  # a lookup sent just before exit still gets recorded
    print(f"offline.py: {stub.count} DNS queries recorded in {log}", file=sys.stderr)
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log", type=Path, help="JSON lines of the recorded queries (default: a temp file)")
    parser.add_argument("--timeout", type=float, help="stop the command after this many seconds (exit 124)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    log = (args.log or Path(tempfile.mkstemp(suffix=".dns.jsonl")[1])).resolve()
    log.write_text("")
    if args.inside:
        sys.exit(_inside(log, args.timeout, command))
    why = namespaces_available()
    if why:
        print(f"offline.py: cannot make a network namespace: {why}", file=sys.stderr)
        sys.exit(NO_NAMESPACE)
    extra = ["--timeout", str(args.timeout)] if args.timeout else []
    inner = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--inside",
        "--log",
        str(log),
        *extra,
        "--",
        *command,
    ]
    sys.exit(subprocess.run(["unshare", "-rnm", *inner]).returncode)


if __name__ == "__main__":
    main()
