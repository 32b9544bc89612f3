"""Common part of channels that talk JSON over HTTP to a gateway (SMS, voice).

The mapping of failures is the contract with the outbox: timeouts, connection errors, 429
and 5xx may succeed later (retryable); any other 4xx means the request itself is wrong
(permanent). Retrying is safe because the idempotency key travels as ``request_id``."""

from __future__ import annotations

from typing import Any

import httpx

from yingji.notify.base import SendResult

OK_CODE = "OK"


class HttpGateway:
    """A pooled HTTP client for one gateway endpoint."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout)

    def post(self, key: str, payload: dict[str, Any]) -> SendResult | dict[str, Any]:
        """POST the payload; the parsed body when the gateway accepted it, else the failure."""
        try:
            response = self._client.post(self.url, json=payload, headers={"Idempotency-Key": key})
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

    def close(self) -> None:
        self._client.close()
