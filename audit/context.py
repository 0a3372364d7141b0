"""The request an audited change came from (IP address, request id), without passing ``request`` around."""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    request_id: str = ""


_NO_REQUEST = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("audit_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _NO_REQUEST


def bind(*, ip_address: str | None, request_id: str | None = None) -> contextvars.Token:
    return _current.set(RequestContext(ip_address=ip_address, request_id=request_id or uuid.uuid4().hex))


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
