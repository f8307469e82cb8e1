#!/usr/bin/env python3
"""A real SMTP server for hirevet's tests, built on aiosmtpd.

It accepts mail on 127.0.0.1:PORT and stores each message in OUTDIR as two
files sharing one stem: `<stem>.eml` holds the raw RFC 5322 bytes as received
and `<stem>.json` the envelope and a decoded view:

    {"mail_from": "...", "rcpt_tos": ["..."], "subject": "...",
     "body_text": "...", "auth_login": "user" | null, "peer": "127.0.0.1"}

The `.json` file is written last and renamed into place, so a reader that
lists `*.json` never sees a half-written message. Stems start with a
nanosecond timestamp, so sorting them gives arrival order, also across a
restart on the same directory.

Recipients at two reserved domains let tests exercise failure paths:
`...@reject.invalid` gets `550` (permanent) and `...@tempfail.invalid`
gets `451` (transient) at RCPT TO.

Once listening it prints `READY <port>` on stdout. It exits cleanly on
SIGTERM or SIGINT, and with `--exit-on-stdin-eof` also when stdin closes, so
that a test process that dies without cleaning up does not leave a server
holding the port.

Usage: smtp_sink.py --port PORT --outdir DIR [--username U --password P
       [--auth-exclude MECHANISM]...] [--exit-on-stdin-eof]
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REJECT_DOMAIN = "@reject.invalid"
TEMPFAIL_DOMAIN = "@tempfail.invalid"


class Handler:
    def __init__(self, outdir: str):
        self.outdir = outdir
        self.counter = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        lowered = address.lower()
        if lowered.endswith(REJECT_DOMAIN):
            return "550 5.1.1 Mailbox unavailable"
        if lowered.endswith(TEMPFAIL_DOMAIN):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        subject, body_text = decode(raw)
        self.counter += 1
        stem = f"{time.time_ns():020d}-{os.getpid()}-{self.counter:06d}"
        with open(os.path.join(self.outdir, stem + ".eml"), "wb") as f:
            f.write(raw)
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "subject": subject,
            "body_text": body_text,
            "auth_login": login,
            "peer": session.peer[0] if session.peer else None,
        }
        tmp = os.path.join(self.outdir, stem + ".json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.replace(tmp, os.path.join(self.outdir, stem + ".json"))
        return "250 Message accepted for delivery"


def decode(raw: bytes):
    """The decoded Subject and text/plain body, so tests need no MIME parser."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(msg.get("Subject", ""))
    part = msg.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    # Line endings on the wire are CRLF; tests compare with Rust "\n" strings.
    return subject, body.replace("\r\n", "\n")


def make_authenticator(username: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == username.encode()
            and auth_data.password == password.encode()
        )
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False makes aiosmtpd answer 535 itself; the default
        # (handled=True) would leave the client waiting for a reply.
        return AuthResult(success=False, handled=False)

    return authenticator


async def serve(args) -> None:
    loop = asyncio.get_running_loop()
    handler = Handler(args.outdir)
    smtp_kwargs = {"hostname": "hirevet-test-sink", "loop": loop}
    if args.username is not None:
        smtp_kwargs.update(
            authenticator=make_authenticator(args.username, args.password),
            auth_required=True,
            # Tests talk plain TCP to 127.0.0.1; production relays use TLS.
            auth_require_tls=False,
            auth_exclude_mechanism=args.auth_exclude,
        )
    server = await loop.create_server(
        lambda: SMTP(handler, **smtp_kwargs),
        host="127.0.0.1",
        port=args.port,
        reuse_address=True,
    )
    port = server.sockets[0].getsockname()[1]

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        def watch_stdin():
            # Blocks until the parent closes the pipe or dies.
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, daemon=True).start()

    print(f"READY {port}", flush=True)
    await stop.wait()
    server.close()
    # Newer Pythons wait here for open client connections; do not hang on one.
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass


def main() -> int:
    # Plain-TCP AUTH is deliberate here, and aiosmtpd's deprecation notices
    # about its own internals are noise in test output.
    warnings.filterwarnings("ignore", category=UserWarning, module="aiosmtpd")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--outdir", required=True)
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument(
        "--auth-exclude", action="append", default=[], metavar="MECHANISM",
        help="an AUTH mechanism not to offer, e.g. PLAIN to force LOGIN",
    )
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args()
    if (args.username is None) != (args.password is None):
        parser.error("--username and --password go together")
    os.makedirs(args.outdir, exist_ok=True)
    try:
        asyncio.run(serve(args))
    except OSError as e:
        # Most often the port is taken; the caller may pick another.
        print(f"FAILED {e}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
