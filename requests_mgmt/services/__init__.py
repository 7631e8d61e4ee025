"""Request workflows. Views and the API call these; nothing else changes a request's state."""

from .outreach import ask_create
from .requests import REQUEST_INPUT_FIELDS, request_cancel, request_submit, request_transition

__all__ = ["REQUEST_INPUT_FIELDS", "ask_create", "request_cancel", "request_submit", "request_transition"]
