"""Test doubles: a scripted SMS backend, a fake HTTP SMS gateway (a real local server), a .mo writer."""

import json
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from kezek.notifications.backends import BaseSmsBackend, SentSms

Step = BaseException | Callable[[str], None] | None


class ScriptedSmsBackend(BaseSmsBackend):
    """Each send takes the next step of `script`: None sends, an exception is raised, a callable is called
    with the message id (then the message is sent). With an empty script every send succeeds after `delay`.
    """

    script: ClassVar[deque[Step]] = deque()
    sent: ClassVar[list[SentSms]] = []
    delay: ClassVar[float] = 0.0
    _lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        cls.script.clear()
        cls.sent.clear()
        cls.delay = 0.0

    def send(self, *, to: str, text: str, message_id: str) -> str:
        try:
            step = self.script.popleft()
        except IndexError:
            step = None
        if isinstance(step, BaseException):
            raise step
        if step is not None:
            step(message_id)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.sent.append(SentSms(to=to, text=text, message_id=message_id))
        return f"scripted-{message_id}"


# --- fake HTTP SMS gateway ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the gateway does with one request: wait `hang` seconds (or until stopped), then answer."""

    status: int = 200
    body: dict[str, Any] | None = None
    hang: float = 0.0


@dataclass
class Received:
    headers: dict[str, str]
    json: dict[str, Any]
    path: str


@dataclass
class FakeGateway:
    """A scripted SMS gateway. Replies come from `script` (then 200 with an id). Like a real gateway it
    answers a repeated Idempotency-Key with the first id, without sending again (`delivered`)."""

    script: deque[Reply] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    delivered: dict[str, str] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        payload = json.loads(handler.rfile.read(length) or b"{}")
        self.received.append(
            Received(
                headers={k.lower(): v for k, v in handler.headers.items()}, json=payload, path=handler.path
            )
        )
        reply = self.script.popleft() if self.script else Reply()
        if reply.hang:
            self.stopping.wait(reply.hang)
        body = reply.body
        if body is None and 200 <= reply.status < 300:
            key = handler.headers.get("Idempotency-Key", "")
            provider_id = self.delivered.setdefault(key, f"gw-{len(self.delivered) + 1}")
            body = {"id": provider_id, "status": "accepted"}
        data = json.dumps(body or {"error": "scripted"}).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up (timeout) and closed the connection
            pass


@contextmanager
def fake_gateway() -> Iterator[FakeGateway]:
    gateway = FakeGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            gateway.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        gateway.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- translation catalogues ----------------------------------------------------------------------------


def write_mo(path: Path, messages: dict[str | tuple[str, str], str | list[str]], plural_forms: str) -> None:
    """Write a GNU .mo catalogue: {msgid: msgstr} and {(singular, plural): [forms]}."""
    header = f"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: {plural_forms}\n"
    entries: list[tuple[bytes, bytes]] = [(b"", header.encode())]
    for key, value in messages.items():
        msgid = "\x00".join(key) if isinstance(key, tuple) else key
        msgstr = "\x00".join(value) if isinstance(value, list) else value
        entries.append((msgid.encode(), msgstr.encode()))
    entries.sort()
    count = len(entries)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    tables: list[bytes] = [b"", b""]
    blob = b""
    for text_index in (0, 1):  # the msgids, then the msgstrs
        for entry in entries:
            text = entry[text_index]
            tables[text_index] += struct.pack("<II", len(text), data_at + len(blob))
            blob += text + b"\x00"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, data_at)
        + tables[0]
        + tables[1]
        + blob
    )
