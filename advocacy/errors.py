"""Domain errors raised by services and translated by views (form errors) and the API (400/409)."""

from __future__ import annotations


class ValidationFailed(Exception):
    """Input that breaks a rule: field name to messages (``__all__`` for the whole input)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class ConflictError(Exception):
    """A state change that is not allowed from the current state (409 in the API)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
