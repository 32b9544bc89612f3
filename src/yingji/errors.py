"""Domain errors. Each carries a stable code, a message and details; the API renders them
as ``{"error": {"code", "message", "details"}}`` and the CLI prints them."""

from __future__ import annotations

from typing import Any


class YingjiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class AuthRequired(YingjiError):
    status = 401
    code = "auth_required"


class PermissionDenied(YingjiError):
    status = 403
    code = "permission_denied"


class NotFound(YingjiError):
    status = 404
    code = "not_found"


class Conflict(YingjiError):
    status = 409
    code = "conflict"


class ValidationFailed(YingjiError):
    """Bad input; ``details`` lists problems as ``{"row", "field", "reason"}`` dicts."""

    status = 422
    code = "validation_failed"


class Throttled(YingjiError):
    status = 429
    code = "throttled"


def invalid(field: str, reason: str) -> ValidationFailed:
    """One problem with one field, the reason doubling as the message (raise the result)."""
    return ValidationFailed(reason, [{"field": field, "reason": reason}])


class Problems(list[dict[str, Any]]):
    """Problems collected over a whole form, each naming its field, so one answer lists
    them all; ``raise_if_any`` stops the step before anything is written."""

    def add(self, field: str, reason: str) -> None:
        self.append({"row": None, "field": field, "reason": reason})

    def raise_if_any(self, message: str) -> None:
        if self:
            raise ValidationFailed(message, list(self))
