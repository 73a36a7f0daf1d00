"""Every error the API returns is JSON ``{"error": {"code", "message"}}``, never HTML.

The middleware turns domain errors, aiohttp's own HTTP errors (unknown route, wrong method, body
too large) and unexpected exceptions into that shape; a traceback never reaches a client.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from service.schemas import InvalidRequest, error_json, public_dumps

log = logging.getLogger(__name__)

# aiohttp's own errors, by status, get a stable machine-readable code instead of the phrase.
_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}


class ApiError(Exception):
    """Raised by handlers: answered with ``status`` and a JSON error body."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        error_json(code, message), status=status, headers=headers, dumps=public_dumps
    )


def _code_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return f"http_{status}"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        response = error_response(exc.status, exc.code, exc.message, exc.headers)
        if exc.status == 503:
            # Shedding load: a kept-alive connection would still hold a descriptor.
            response.force_close()
        return response
    except InvalidRequest as exc:
        return error_response(400, exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and the like are not errors
        code = _CODES.get(exc.status) or _code_for(exc.status)
        # Keep headers that matter to a client (Allow on 405); the body and its type are ours.
        kept = {
            name: value
            for name, value in exc.headers.items()
            if name not in (hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH)
        }
        return error_response(exc.status, code, exc.reason, kept)
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal_error", "internal server error")
