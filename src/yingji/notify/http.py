"""Common part of channels that talk JSON over HTTP to a gateway (SMS, voice).

The mapping of failures is the contract with the outbox: timeouts, connection errors, 429
and 5xx may succeed later (retryable); any other 4xx means the request itself is wrong
(permanent). Retrying is safe because the idempotency key travels as ``request_id``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from yingji.notify.base import SendResult

OK_CODE = "OK"
RETRYABLE_CODES = frozenset({"THROTTLED", "GATEWAY_ERROR", "BUSY"})
"""Per-message codes of a batch answer that may succeed later."""
T = TypeVar("T")
R = TypeVar("R")


class HttpGateway:
    """A pooled HTTP client for one gateway endpoint."""

    def __init__(self, url: str, timeout: float, connections: int = 8) -> None:
        self.url = url
        self.connections = connections
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.Client(timeout=timeout, limits=limits)
        self._pool: ThreadPoolExecutor | None = None

    def post(
        self, key: str, payload: dict[str, Any], url: str | None = None
    ) -> SendResult | dict[str, Any]:
        """POST the payload; the parsed body when the gateway accepted it, else the failure."""
        try:
            response = self._client.post(
                url or self.url, json=payload, headers={"Idempotency-Key": key}
            )
        except httpx.TimeoutException:
            return SendResult.retryable("网关超时 / gateway timed out")
        except httpx.TransportError as exc:
            return SendResult.retryable(f"无法连接网关 / cannot reach gateway: {exc}")
        status = response.status_code
        if status == 429 or status >= 500:
            return SendResult.retryable(
                f"网关暂时不可用（HTTP {status}） / gateway busy (HTTP {status})"
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if status >= 400 or not isinstance(body, dict):
            detail = body.get("message", "") if isinstance(body, dict) else response.text[:200]
            return SendResult.permanent(
                f"网关拒绝（HTTP {status}） / gateway refused (HTTP {status}): {detail}"
            )
        if body.get("code") != OK_CODE:
            return SendResult.permanent(
                f"网关拒绝 / gateway refused: {body.get('code')} {body.get('message', '')}"
            )
        return body

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` over ``items`` on up to ``connections`` requests at once (a gateway answers
        slowly, voice after the call ends), results in order."""
        if len(items) <= 1 or self.connections <= 1:
            return [fn(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.connections, thread_name_prefix="gateway")
        return list(self._pool.map(fn, items))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._client.close()


def item_result(item: Any) -> SendResult | dict[str, Any]:
    """One message's part of a batch answer: the item when accepted, else the failure."""
    if not isinstance(item, dict):
        return SendResult.retryable("网关应答不完整 / gateway answer incomplete")
    code = item.get("code")
    if code == OK_CODE:
        return item
    reason = f"网关拒绝 / gateway refused: {code} {item.get('message', '')}"
    if code in RETRYABLE_CODES:
        return SendResult.retryable(reason)
    return SendResult.permanent(reason)
