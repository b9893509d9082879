"""A loopback HTTP server that misbehaves at the socket level, one way per instance:
resets the connection mid-body, accepts and never answers, trickles its body, or
answers a canned response. It counts the connections it accepted."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket], None]


class FaultyServer:
    def __init__(self, behaviour: Behaviour):
        self.behaviour = behaviour
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/query"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            _read_request(conn)
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._accepter.join(2)


def _read_request(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def _head(status: str, length: int, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/atom+xml\r\n"
        f"Content-Length: {length}\r\n{extra}Connection: close\r\n\r\n"
    ).encode()


def reset_mid_body(body: bytes) -> Behaviour:
    """Headers promise the whole body; half of it comes, then a TCP reset."""

    def behave(conn: socket.socket) -> None:
        conn.sendall(_head("200 OK", len(body)) + body[: len(body) // 2])
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return behave


def never_answer(hold: float = 30.0) -> Behaviour:
    def behave(conn: socket.socket) -> None:
        time.sleep(hold)

    return behave


def trickle(body: bytes, every: float = 0.2) -> Behaviour:
    """The whole body promised, one byte per ``every`` seconds."""

    def behave(conn: socket.socket) -> None:
        conn.sendall(_head("200 OK", len(body)))
        for byte in body:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return behave


def answer(status: str, body: bytes = b"", headers: str = "") -> Behaviour:
    def behave(conn: socket.socket) -> None:
        conn.sendall(_head(status, len(body), headers) + body)

    return behave


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connection refused."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"
