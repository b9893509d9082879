"""Polite HTTP for metadata services: spacing between requests (also across runs),
timeouts, a deadline on the whole body, bounded retries with backoff on 429/5xx and
connection trouble, honouring Retry-After. One policy for arXiv and doi.org.

Every retry is announced through ``on_retry`` (the CLI prints it); a time budget bounds
the whole exchange, waiting for answers included; a body that is not what was asked is
retried once; a refused connection or an unknown host ends at once."""

from __future__ import annotations

import errno
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from ..errors import NetworkError
from ..models import Notice
from ..version import __version__

USER_AGENT = f"pubdb/{__version__} (+https://github.com/pubdb/pubdb; bibliography manager)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 50_000_000
T = TypeVar("T")


class Retryable(Exception):
    """A failure worth another try: 429/5xx, connection trouble, a garbled body.
    ``once``: worth one more try only (a body that is not what was asked, such as a
    proxy's HTML page, rarely comes right by asking again)."""

    def __init__(self, message: str, retry_after: float | None = None, *, once: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.once = once


@dataclass(frozen=True)
class ClientSettings:
    base_url: str = "https://export.arxiv.org/api/query"
    delay: float = 3.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 5
    backoff: float = 3.0
    max_retry_wait: float = 60.0  # the whole exchange, retries and their waits included
    batch_size: int = 100

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        prefix: str = "PUBDB_ARXIV",
        **defaults: float | str,
    ) -> ClientSettings:
        """Settings from ``{prefix}_URL``, ``_DELAY``, ``_BACKOFF``, ``_RETRIES``,
        ``_TIMEOUT``, ``_CONNECT_TIMEOUT`` and ``_MAX_WAIT``."""
        env = os.environ if environ is None else environ
        base = cls(**defaults)  # type: ignore[arg-type]

        def number(suffix: str, default: float) -> float:
            name = f"{prefix}_{suffix}"
            raw = env.get(name)
            if raw in (None, ""):
                return default
            try:
                value = float(raw)
            except ValueError:
                raise NetworkError(f"{name} must be a number, not {raw!r}") from None
            if value < 0:
                raise NetworkError(f"{name} must not be negative")
            return value

        return cls(
            base_url=env.get(f"{prefix}_URL") or base.base_url,
            delay=number("DELAY", base.delay),
            connect_timeout=number("CONNECT_TIMEOUT", base.connect_timeout),
            read_timeout=number("TIMEOUT", base.read_timeout),
            retries=int(number("RETRIES", base.retries)),
            backoff=number("BACKOFF", base.backoff),
            max_retry_wait=number("MAX_WAIT", base.max_retry_wait),
            batch_size=base.batch_size,
        )


@dataclass
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


class PoliteClient:
    """At most one request per ``settings.delay`` seconds; ``last_request`` carries the
    previous run's request time in, ``on_request`` reports each new one."""

    service = "the server"

    def __init__(
        self,
        settings: ClientSettings,
        *,
        last_request: float | None = None,
        on_request: Callable[[float], None] | None = None,
        on_retry: Notice | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.last_request = last_request
        self.on_request = on_request
        self.on_retry = on_retry
        self._sleep = sleep
        self._clock = clock
        self._session = None
        self._budget_left: float | None = None  # seconds, while with_retries runs

    def with_retries(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until it succeeds, retrying Retryable failures within
        ``settings.retries`` and a budget of ``settings.max_retry_wait`` seconds for
        the whole exchange (the time the server takes counts, not only the pauses).
        Each retry is announced to ``on_retry`` first."""
        attempts = self.settings.retries + 1
        spent, retried_garbled = 0.0, False
        try:
            for number in range(attempts):
                self._budget_left = self.settings.max_retry_wait - spent
                started = time.monotonic()
                try:
                    return attempt()
                except Retryable as problem:
                    spent += time.monotonic() - started
                    pause = self._retry_pause(number, problem)
                    last = number == self.settings.retries or (problem.once and retried_garbled)
                    if last or spent + pause >= self.settings.max_retry_wait:
                        tries = "1 attempt" if number == 0 else f"{number + 1} attempts"
                        raise NetworkError(
                            f"{self.service} request failed after {tries}: {problem}"
                        ) from None
                    retried_garbled = retried_garbled or problem.once
                    self._announce(problem, pause, number + 2, attempts)
                    spent += pause
                    self._sleep(pause)
        finally:
            self._budget_left = None
        raise AssertionError("unreachable")

    def _announce(self, problem: Retryable, pause: float, number: int, attempts: int) -> None:
        if self.on_retry:
            when = "now" if pause < 0.5 else f"in {pause:.0f} s"
            self.on_retry(f"{problem}; retrying {when} (attempt {number} of {attempts})")

    def _timeout(self, limit: float) -> float:
        """A timeout no longer than what is left of the budget (a tenth of a second at
        least, so that an attempt is an attempt)."""
        if self._budget_left is None:
            return limit
        return max(0.1, min(limit, self._budget_left))

    def _retry_pause(self, attempt: int, problem: Retryable) -> float:
        if problem.retry_after is not None and problem.retry_after > 0:
            return problem.retry_after
        base = self.settings.backoff * min(2**attempt, 20)
        return base * random.uniform(0.8, 1.2)

    def _wait_turn(self) -> None:
        if self.last_request is None:
            return
        pause = self.last_request + self.settings.delay - self._clock()
        if pause > 0:
            self._sleep(min(pause, self.settings.delay))

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """One polite GET. Connection trouble and timeouts raise Retryable; the status
        is left to the caller."""
        import requests
        import urllib3

        self._wait_turn()
        try:
            response = self._http().get(
                url,
                params=params,
                headers=headers,
                timeout=(
                    self._timeout(self.settings.connect_timeout),
                    self._timeout(self.settings.read_timeout),
                ),
                stream=True,
            )
            with response:
                body = self._read_body(response)
        except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError):
            raise Retryable(f"timed out waiting for {self.service}") from None
        except requests.exceptions.ConnectionError as exc:
            if reason := unreachable(exc):
                raise NetworkError(f"cannot reach {self.service}: {reason}") from None
            raise Retryable(f"connection to {self.service} failed") from None
        except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError):
            raise Retryable(f"connection to {self.service} failed") from None
        except urllib3.exceptions.HTTPError as exc:
            raise NetworkError(f"{self.service} request failed: {exc.__class__.__name__}") from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"{self.service} request failed: {exc.__class__.__name__}") from None
        finally:
            self._mark_request()
        return HttpResponse(response.status_code, response.headers, body)

    def _mark_request(self) -> None:
        """Spacing counts from the end of the last exchange: the next request starts at
        least ``delay`` after it, however long the server took."""
        self.last_request = self._clock()
        if self.on_request:
            self.on_request(self.last_request)

    def _read_body(self, response) -> bytes:
        """The whole body within ``read_timeout`` in all: a server trickling bytes
        (each read well within the socket timeout) is cut off at the deadline."""
        deadline = self._clock() + self._timeout(self.settings.read_timeout)
        chunks, size = [], 0
        for chunk in _arriving_chunks(response):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise NetworkError(f"{self.service} response is too large")
            if self._clock() > deadline:
                raise Retryable(f"{self.service} response took too long to arrive")
        return b"".join(chunks)

    def _http(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
        return self._session

    def raise_for_retry(self, response: HttpResponse) -> None:
        """Retryable for 429 and 5xx (with Retry-After), nothing otherwise."""
        if response.status in RETRY_STATUSES:
            reason = (
                f"{self.service} rate limited us (HTTP 429)"
                if response.status == 429
                else f"{self.service} answered HTTP {response.status}"
            )
            raise Retryable(reason, retry_after(response.headers.get("Retry-After")))


def unreachable(exc: Exception) -> str | None:
    """Why a connection could not even be made, when asking again cannot help: no such
    host (offline, or a typo), connection refused, no route. None for other trouble."""
    import socket

    import urllib3

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if not isinstance(reason, urllib3.exceptions.NewConnectionError):
        return None
    cause = reason.__cause__ or reason.__context__
    if isinstance(cause, socket.gaierror):
        host = getattr(reason, "conn", None) and reason.conn.host
        return f"cannot resolve {host} (offline?)" if host else "cannot resolve the host (offline?)"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"{cause.strerror.lower()} (offline?)"
    return None


def _arriving_chunks(response) -> Iterator[bytes]:
    """Body bytes as they arrive (one socket read each), not in fixed-size blocks that
    wait until filled."""
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # urllib3 < 2
        yield from response.iter_content(64 * 1024)
        return
    while chunk := read1(64 * 1024):
        yield chunk


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
