"""Real peers shared by the tests: an SMTP server (aiosmtpd) and an HTTP receiver.

Both listen on 127.0.0.1 on a free port and record what they receive. The mail server
refuses recipients named ``reject@...`` with 550 and ``busy@...`` with 451, and accepts
AUTH ``tocsin``/``letmein`` (over plain TCP: this is a test). Setting ``mailbox.delay`` makes
it a slow server: each message is recorded, then answered that many seconds later (other
sessions go on meanwhile). The HTTP receiver answers
``/status/NNN`` with NNN, ``/redirect`` with a 302, ``/slow`` after a second, and 200
otherwise.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    peer: Any = None  # the client's (host, port): one per SMTP connection


@dataclass
class Mailbox:
    received: list[Mail] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering each message: a slow mail server
    refused: set[str] = field(default_factory=set)  # more addresses answered 550 at RCPT

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith("reject@") or address in self.refused:
            return "550 5.1.1 <reject@example.com>: Recipient address rejected"
        if address.startswith("busy@"):
            return "451 4.2.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = cast(bytes, envelope.original_content)
        parsed = email.message_from_bytes(content, policy=default_policy)
        mail = Mail(str(envelope.mail_from), list(envelope.rcpt_tos), parsed, session.peer)
        self.received.append(mail)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Ok: queued as 7A1B2C"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append(data.login.decode())
            ok = (data.login, data.password) == (b"tocsin", b"letmein")
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append(Request("POST", self.path, headers, body))
        status, extra = self._answer()
        reply = b"ok" if status < 300 else b"invalid_payload"
        try:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the /slow timeout test)

    def _answer(self) -> tuple[int, dict[str, str]]:
        if self.path.startswith("/status/"):
            return int(self.path.split("/")[2]), {}
        if self.path == "/redirect":
            return 302, {"location": "/status/200"}
        if self.path == "/slow":
            time.sleep(1)
        return 200, {}

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[Request]


@dataclass
class Receiver:
    port: int
    requests: list[Request]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Receiver(server.server_address[1], server.requests)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class TlsReceiver(Receiver):
    """The receiver over HTTPS, with a certificate for ``name`` from a throwaway CA."""

    name: str = ""
    ca_file: str = ""
    server_names: list[str | None] = field(default_factory=list)  # SNI of each handshake


def certificate(name: str, folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a leaf certificate for ``name`` (a host name or an IP address) it signed:
    (ca.pem, leaf.pem, leaf.key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def build(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
            builder = builder.add_extension(usage, critical=True)
        else:
            try:
                alternative: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(subject))
            except ValueError:
                alternative = x509.DNSName(subject)
            builder = builder.add_extension(
                x509.SubjectAlternativeName([alternative]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = build("Tocsin test CA", ca_key, "Tocsin test CA", ca_key, True)
    leaf = build(name, leaf_key, "Tocsin test CA", ca_key, False)
    paths = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[TlsReceiver]:
    name = "hooks.tocsin.test"
    ca_file, leaf, key = certificate(name, tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(leaf, key)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    received = TlsReceiver(server.server_address[1], server.requests, name, str(ca_file))
    context.sni_callback = lambda sock, sni, ctx: received.server_names.append(sni)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def uvicorn_thread(app: Any, port: int, **options: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` on ``port`` with uvicorn in a thread, with the HTTP protocol
    ``tocsin serve`` uses; yields its URL once it listens (https:// with ``ssl_certfile``)."""
    import uvicorn

    from tocsin.web.fast_http import StatusFastPath

    options = {"host": "127.0.0.1", "log_level": "warning", "http": StatusFastPath, **options}
    server = uvicorn.Server(uvicorn.Config(app, port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if options.get('ssl_certfile') else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
