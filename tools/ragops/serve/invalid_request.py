"""The 422 of a request body that does not validate, in FastAPI's shape, safe for any input.

FastAPI's own handler echoes each offending value back (``input``) and encodes the response as UTF-8: a lone
surrogate (``"\\ud800"``), valid in JSON, then fails that encoding and the client gets a 500 with a traceback in the
log. This handler says what is wrong and where, never echoes the value (a 64 KiB body is not sent back either), and
makes every string it does send encodable.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")[:500]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _clean(str(value))


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "type": _clean(error.get("type", "")),
            "loc": [_clean(part) for part in error.get("loc", ())],
            "msg": _clean(error.get("msg", "")),
        }
        for error in errors[:20]
    ]
    return JSONResponse({"detail": detail}, status_code=422)
