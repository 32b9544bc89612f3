"""Gateway simulator (网关模拟器): a real HTTP service on loopback for the demo and the tests.

It speaks like a typical Chinese SMS/voice gateway (JSON POST with ``mobile``, ``text`` or
``template`` + ``params``, and ``request_id``), records every accepted message once per
request id, and can be told per mobile number or globally to fail (HTTP 500/429/400),
delay, or drop (accept but never report delivery). Voice calls answer with an outcome and,
when configured, the key the person pressed.

Like real gateways it also has a batch endpoint (``/sms/batch``, up to 100 messages per
request, each recorded once per request id), posts delivery receipts back to a callback URL
(``configure_callbacks``), sends a recipient's SMS reply to the inbound URL (``reply``), and
runs an SMTP server on loopback that records e-mails (``smtp_port``)."""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx

from yingji.notify.base import VoiceOutcome

Kind = Literal["sms", "voice", "email"]
PATHS: dict[str, Kind] = {"/sms/send": "sms", "/voice/call": "voice"}
BATCH_PATH = "/sms/batch"
BATCH_MAX = 100
TOKEN_HEADER = "X-Gateway-Token"
Poster = Callable[[str, Any, dict[str, str]], Any]
"""``post(url, json, headers)``: how callbacks reach Yingji (httpx, or a test client)."""
MOBILE = re.compile(r"^\+?[0-9]{6,15}$")
FAIL_STATUSES = frozenset({400, 429, 500, 503})


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the simulator treats a request; set globally or for one mobile number."""

    fail_status: int | None = None
    """Answer with this HTTP status and record nothing."""
    delay_ms: int = 0
    """Wait this long before answering (the message is recorded after the wait)."""
    drop: bool = False
    """Accept, but never report delivery (SMS) or an outcome (voice)."""
    voice_outcome: VoiceOutcome = VoiceOutcome.ANSWERED
    key_press: str | None = None
    """Digits "pressed" on an answered call; ``"confirm"`` presses the request's confirm key."""
    receipt: Literal["delivered", "failed"] = "delivered"
    """What the delivery receipt of an accepted SMS reports (unless ``drop``)."""


@dataclass(slots=True)
class SimulatedMessage:
    kind: Kind
    request_id: str
    mobile: str
    text: str
    gateway_id: str
    received_at: datetime
    delivered: bool
    outcome: VoiceOutcome | None = None
    key_press: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def answer(self) -> dict[str, Any]:
        """The gateway's JSON answer, identical for a first send and its retries."""
        body: dict[str, Any] = {"code": "OK", "message": "成功 / OK", "request_id": self.request_id}
        if self.kind == "sms":
            body["message_id"] = self.gateway_id
        else:
            body["call_id"] = self.gateway_id
            body["outcome"] = self.outcome.value if self.outcome else None
            body["key"] = self.key_press
        return body


class GatewaySimulator:
    """Start with ``start()`` (ephemeral port unless one is given); ``url`` is the base URL.

    Channels point at ``url + "/sms/send"`` and ``url + "/voice/call"``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._messages: dict[str, SimulatedMessage] = {}
        self._global = Behaviour()
        self._by_mobile: dict[str, Behaviour] = {}
        self._ids = itertools.count(1)
        self.requests = 0
        """Every request received, including refused ones and duplicates."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._smtp: Any = None
        self.smtp_port = 0
        self._receipts: list[dict[str, Any]] = []
        self._receipt_url: str | None = None
        self._inbound_url: str | None = None
        self._token: str | None = None
        self._post: Poster | None = None
        self._auto = threading.Event()
        self._pusher: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle ---
    def start(self) -> GatewaySimulator:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="gateway-simulator", daemon=True
        )
        self._thread.start()
        self._start_smtp()
        self._stopping.clear()
        self._pusher = threading.Thread(
            target=self._push_loop, name="simulator-receipts", daemon=True
        )
        self._pusher.start()
        return self

    def _start_smtp(self) -> None:
        from aiosmtpd.controller import Controller

        with socket.socket() as probe:  # aiosmtpd cannot listen on port 0
            probe.bind((self.host, 0))
            port = probe.getsockname()[1]
        self._smtp = Controller(_SmtpHandler(self), hostname=self.host, port=port)
        self._smtp.start()
        self.smtp_port = port

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        if self._pusher is not None:
            self._pusher.join()
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> GatewaySimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("模拟器未启动 / simulator not started")
        return f"http://{self.host}:{self.port}"

    @property
    def sms_url(self) -> str:
        return self.url + "/sms/send"

    @property
    def voice_url(self) -> str:
        return self.url + "/voice/call"

    @property
    def sms_batch_url(self) -> str:
        return self.url + BATCH_PATH

    # --- callbacks to Yingji: delivery receipts and replies ---
    def configure_callbacks(
        self,
        receipt_url: str | None = None,
        inbound_url: str | None = None,
        token: str | None = None,
        *,
        auto: bool = True,
        post: Poster | None = None,
    ) -> None:
        """Where receipts and replies go; ``auto`` pushes receipts in the background (else
        ``push_receipts()`` sends them); ``post`` replaces the HTTP client (tests)."""
        with self._lock:
            self._receipt_url, self._inbound_url, self._token = receipt_url, inbound_url, token
            self._post = post
        if auto:
            self._auto.set()
        else:
            self._auto.clear()

    def _headers(self) -> dict[str, str]:
        return {TOKEN_HEADER: self._token} if self._token else {}

    def _send(self, url: str, body: Any) -> Any:
        if self._post is not None:
            return self._post(url, body, self._headers())
        return httpx.post(url, json=body, headers=self._headers(), timeout=10)

    def pending_receipts(self) -> int:
        with self._lock:
            return len(self._receipts)

    def push_receipts(self, limit: int = 1000) -> int:
        """Post the queued delivery receipts (batches of ``limit``); returns how many went.

        Receipts that cannot be posted stay queued for the next push."""
        sent = 0
        while True:
            with self._lock:
                url, batch = self._receipt_url, self._receipts[:limit]
            if not url or not batch:
                return sent
            try:
                answer = self._send(url, {"receipts": batch})
            except httpx.HTTPError:
                return sent
            if getattr(answer, "status_code", 200) >= 300:
                return sent
            with self._lock:
                del self._receipts[: len(batch)]
            sent += len(batch)

    def _push_loop(self) -> None:
        while not self._stopping.wait(0.2):
            if self._auto.is_set():
                with contextlib.suppress(Exception):  # the app may not be up yet
                    self.push_receipts()

    def reply(self, mobile: str, text: str) -> Any:
        """A recipient answers by SMS: post ``{mobile, text}`` to the inbound URL."""
        if not self._inbound_url:
            raise RuntimeError("未配置上行短信地址 / inbound URL not configured")
        body = {"mobile": mobile, "text": text, "at": datetime.now(UTC).isoformat()}
        return self._send(self._inbound_url, body)

    # --- control and inspection ---
    def set_behaviour(self, mobile: str | None = None, **changes: Any) -> Behaviour:
        """Change the behaviour for one mobile number, or globally when ``mobile`` is None.

        A per-mobile behaviour starts from the global one at the time it is set."""
        fail = changes.get("fail_status")
        if fail is not None and fail not in FAIL_STATUSES:
            raise ValueError(f"fail_status must be one of {sorted(FAIL_STATUSES)}")
        if "voice_outcome" in changes:
            changes["voice_outcome"] = VoiceOutcome(changes["voice_outcome"])
        with self._lock:
            if mobile is None:
                self._global = replace(self._global, **changes)
                return self._global
            base = self._by_mobile.get(mobile, self._global)
            self._by_mobile[mobile] = replace(base, **changes)
            return self._by_mobile[mobile]

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        with self._lock:
            return self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (e.g. a delayed one a client gave up on)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def reset(self) -> None:
        """Forget behaviours and messages, after letting requests in progress finish."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, 10.0)
            self._global = Behaviour()
            self._by_mobile.clear()
            self._messages.clear()
            self._receipts.clear()
            self.requests = 0
            self._receipt_url = self._inbound_url = self._token = None
            self._post = None
        self._auto.clear()

    @property
    def recorded(self) -> int:
        """How many messages are recorded (one per request id)."""
        with self._lock:
            return len(self._messages)

    def behaviour_for(self, mobile: str) -> Behaviour:
        with self._lock:
            return self._by_mobile.get(mobile, self._global)

    def messages(
        self, kind: Kind | None = None, mobile: str | None = None
    ) -> list[SimulatedMessage]:
        """Accepted messages in arrival order, one per request id."""
        with self._lock:
            found = list(self._messages.values())
        return [
            m
            for m in found
            if (kind is None or m.kind == kind) and (mobile is None or m.mobile == mobile)
        ]

    # --- request handling (called from server threads) ---
    def handle(self, kind: Kind, payload: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
            self._in_flight += 1
        try:
            return self._handle(kind, payload)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def handle_batch(self, payload: Any) -> tuple[int, dict[str, Any]]:
        """``{"messages": [...]}``: one result per message, in order; the whole request fails
        only for what a gateway judges per request (a global failure, a malformed body)."""
        with self._lock:
            self.requests += 1
            self._in_flight += 1
        try:
            return self._handle_batch(payload)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _handle_batch(self, payload: Any) -> tuple[int, dict[str, Any]]:
        items = payload.get("messages") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items or len(items) > BATCH_MAX:
            message = f"messages 须为 1-{BATCH_MAX} 条 / messages must hold 1-{BATCH_MAX} items"
            return HTTPStatus.BAD_REQUEST, {"code": "INVALID_PARAMETER", "message": message}
        behaviour = self._global
        if behaviour.delay_ms:
            time.sleep(behaviour.delay_ms / 1000)
        if behaviour.fail_status is not None:
            return behaviour.fail_status, _failure(behaviour.fail_status)
        results = []
        for item in items:
            problem = _invalid(item)
            if problem:
                rid = item.get("request_id") if isinstance(item, dict) else None
                results.append({"request_id": rid, "code": "INVALID_PARAMETER", "message": problem})
                continue
            mine = self.behaviour_for(item["mobile"])
            if mine.fail_status is not None:
                results.append({"request_id": item["request_id"], **_failure(mine.fail_status)})
                continue
            status, body = self._accept("sms", item, mine)
            if status != HTTPStatus.OK:
                results.append({"request_id": item["request_id"], **body})
                continue
            results.append(body)
        return HTTPStatus.OK, {"code": "OK", "message": "成功 / OK", "results": results}

    def _accept(
        self, kind: Kind, payload: dict[str, Any], behaviour: Behaviour
    ) -> tuple[int, dict[str, Any]]:
        """Record the message once per request id; the same answer for every retry."""
        mobile, request_id = payload["mobile"], payload["request_id"]
        with self._lock:
            known = self._messages.get(request_id)
            if known is None:
                known = self._record(kind, payload, behaviour)
                self._messages[request_id] = known
                if kind == "sms" and not behaviour.drop and self._receipt_url:
                    self._receipts.append(
                        {
                            "request_id": request_id,
                            "message_id": known.gateway_id,
                            "status": behaviour.receipt,
                            "at": known.received_at.isoformat(),
                        }
                    )
        if known.kind != kind or known.mobile != mobile:
            return HTTPStatus.CONFLICT, {
                "code": "DUPLICATE_REQUEST_ID",
                "message": "请求编号已用于另一条消息 / request id used for another message",
            }
        return HTTPStatus.OK, known.answer()

    def record_email(self, request_id: str, to: str, subject: str, text: str) -> bool:
        """An e-mail received over SMTP, recorded once per request id; True when new."""
        with self._lock:
            self.requests += 1
            if request_id in self._messages:
                return False
            self._messages[request_id] = SimulatedMessage(
                kind="email",
                request_id=request_id,
                mobile=to,
                text=text,
                gateway_id=f"sim-email-{next(self._ids)}",
                received_at=datetime.now(UTC),
                delivered=True,
                payload={"subject": subject},
            )
            return True

    def _handle(self, kind: Kind, payload: Any) -> tuple[int, dict[str, Any]]:
        problem = _invalid(payload)
        if problem:
            return HTTPStatus.BAD_REQUEST, {"code": "INVALID_PARAMETER", "message": problem}
        behaviour = self.behaviour_for(payload["mobile"])
        if behaviour.delay_ms:
            time.sleep(behaviour.delay_ms / 1000)
        if behaviour.fail_status is not None:
            return behaviour.fail_status, _failure(behaviour.fail_status)
        return self._accept(kind, payload, behaviour)

    def _record(
        self, kind: Kind, payload: dict[str, Any], behaviour: Behaviour
    ) -> SimulatedMessage:
        text = payload.get("text")
        if text is None:
            text = str(payload["template"]).format_map(payload.get("params") or {})
        message = SimulatedMessage(
            kind=kind,
            request_id=payload["request_id"],
            mobile=payload["mobile"],
            text=text,
            gateway_id=f"sim-{kind}-{next(self._ids)}",
            received_at=datetime.now(UTC),
            delivered=not behaviour.drop,
            payload=payload,
        )
        if kind == "voice" and not behaviour.drop:
            message.outcome = behaviour.voice_outcome
            if behaviour.voice_outcome is VoiceOutcome.ANSWERED:
                press = behaviour.key_press
                message.key_press = payload.get("confirm_key") if press == "confirm" else press
        return message


def _failure(status: int) -> dict[str, Any]:
    code = {429: "THROTTLED", 400: "INVALID_PARAMETER"}.get(status, "GATEWAY_ERROR")
    return {"code": code, "message": "模拟故障 / simulated failure"}


class _SmtpHandler:
    """aiosmtpd handler: record each e-mail once per ``X-Request-Id`` (else Message-ID)."""

    def __init__(self, sim: GatewaySimulator) -> None:
        self.sim = sim

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        request_id = str(parsed.get("X-Request-Id") or parsed.get("Message-ID") or "")
        body = parsed.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        for to in envelope.rcpt_tos:
            self.sim.record_email(
                request_id or f"{to}:{time.time()}", to, str(parsed["Subject"]), text
            )
        return "250 OK"


def _invalid(payload: Any) -> str | None:
    """Why a request is malformed, the way a gateway would say it; None when fine."""
    if not isinstance(payload, dict):
        return "请求体必须是 JSON 对象 / body must be a JSON object"
    mobile, request_id = payload.get("mobile"), payload.get("request_id")
    if not isinstance(mobile, str) or not MOBILE.match(mobile):
        return "手机号无效 / invalid mobile number"
    if not isinstance(request_id, str) or not request_id:
        return "缺少请求编号 / request_id missing"
    if isinstance(payload.get("text"), str) and payload["text"]:
        return None
    template, params = payload.get("template"), payload.get("params") or {}
    if not isinstance(template, str) or not isinstance(params, dict):
        return "缺少短信内容 / text or template missing"
    try:
        template.format_map(params)
    except (KeyError, IndexError, ValueError):
        return "模板参数不匹配 / template parameters do not match"
    return None


def _handler_for(sim: GatewaySimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # a kept-alive answer would otherwise wait ~40 ms

        def do_POST(self) -> None:
            kind = PATHS.get(self.path)
            if kind is None and self.path != BATCH_PATH:
                self._reply(HTTPStatus.NOT_FOUND, {"code": "NOT_FOUND", "message": self.path})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                payload = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                payload = None
            if kind is None:
                status, body = sim.handle_batch(payload)
            else:
                status, body = sim.handle(kind, payload)
            self._reply(status, body)

        def do_GET(self) -> None:
            if self.path != "/messages":
                self._reply(HTTPStatus.NOT_FOUND, {"code": "NOT_FOUND", "message": self.path})
                return
            rows = [
                {
                    "kind": m.kind,
                    "request_id": m.request_id,
                    "mobile": m.mobile,
                    "text": m.text,
                    "id": m.gateway_id,
                    "received_at": m.received_at.isoformat(),
                    "delivered": m.delivered,
                    "outcome": m.outcome,
                    "key": m.key_press,
                }
                for m in sim.messages()
            ]
            self._reply(HTTPStatus.OK, {"code": "OK", "messages": rows})

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a simulated delay); nothing to tell it

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests and the demo inspect ``messages()`` instead of a log."""

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Run the simulator on its own for a demo: ``python -m yingji.notify.simulator``."""
    parser = argparse.ArgumentParser(
        description="短信/语音网关模拟器 / SMS and voice gateway simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument(
        "--callback", help="Yingji base URL for delivery receipts, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--token", help="gateway token (X-Gateway-Token) for the callbacks")
    args = parser.parse_args(argv)
    with GatewaySimulator(args.host, args.port) as sim:
        print(f"YINGJI_SMS_GATEWAY_URL={sim.sms_url}", flush=True)
        print(f"YINGJI_VOICE_GATEWAY_URL={sim.voice_url}", flush=True)
        print(f"YINGJI_SMS_BATCH_URL={sim.sms_batch_url}", flush=True)
        print(f"YINGJI_EMAIL_SMTP_HOST={sim.host}", flush=True)
        print(f"YINGJI_EMAIL_SMTP_PORT={sim.smtp_port}", flush=True)
        if args.callback:
            base = args.callback.rstrip("/")
            sim.configure_callbacks(
                receipt_url=f"{base}/api/v1/notify/receipts/sms",
                inbound_url=f"{base}/api/v1/notify/inbound/sms",
                token=args.token,
            )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
