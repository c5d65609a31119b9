"""Retries with exponential backoff for transient store errors (connections, throttling, 5xx).

Only errors that a second try can cure are retried: a dropped or refused
connection, a timeout, or a store that says slow down / unavailable. A missing
key, a denied request or a checksum mismatch is raised at once.
"""

from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

T = TypeVar("T")

_TRANSIENT_NAMES = {
    "EndpointConnectionError", "ConnectionClosedError", "ReadTimeoutError", "ConnectTimeoutError",
    "ClientConnectionError", "ClientConnectorError", "ServerDisconnectedError", "ClientOSError",
    "ClientPayloadError", "ResponseStreamingError", "IncompleteReadError", "ProtocolError",
}
_TRANSIENT_TEXT = ("SlowDown", "Throttl", "RequestTimeout", "ServiceUnavailable", "InternalError",
                   "503", "500 Internal", "Connection reset", "Server disconnected", "TooManyRequests")


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception it was raised from) is a connection, timeout or throttling error."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, (ConnectionError, TimeoutError)) or type(e).__name__ in _TRANSIENT_NAMES:
            return True
        if isinstance(e, (FileNotFoundError, PermissionError)):
            return False
        text = str(e)
        if any(t in text for t in _TRANSIENT_TEXT):
            return True
        e = e.__cause__ or e.__context__
    return False


def with_retries(fn: Callable[[], T], attempts: int = 6, base_s: float = 0.2, max_s: float = 10.0,
                 what: str = "store request", sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``fn`` until it succeeds; on a transient error wait base_s * 2^i (jittered, capped at max_s [s])
    and try again, at most ``attempts`` times in all. The last error is raised with ``what`` in a note."""
    for i in range(attempts):
        try:
            return fn()
        except Exception as e:
            if i == attempts - 1 or not is_transient(e):
                if i:
                    e.add_note(f"{what}: gave up after {i + 1} attempts")
                raise
            sleep(min(max_s, base_s * 2**i) * (0.5 + random.random()))
    raise AssertionError("unreachable")
