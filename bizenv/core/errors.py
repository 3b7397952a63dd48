"""Rule violations raised by services; views turn them into Chinese messages."""

from enum import StrEnum


class ErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    ROLE_CONFLICT = "role_conflict"
    PUBLISHED_IMMUTABLE = "published_immutable"
    INVALID_TRANSITION = "invalid_transition"
    AUDIT_APPEND_ONLY = "audit_append_only"


class ApplicationError(Exception):
    """A business rule was broken; `message` is shown to the user in Chinese."""

    def __init__(self, message: str, *, code: ErrorCode = ErrorCode.INVALID, details: list | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)


class PermissionDenied(ApplicationError):
    def __init__(self, message: str = "您没有执行该操作的权限。"):
        super().__init__(message, code=ErrorCode.PERMISSION_DENIED)
