"""Every failure as JSON, `{"error": {"code", "message"}}`, with its status: the typed errors' own, HTTP's
(a body too large, a method or a path the API lacks), and a 500 for what nobody expected (logged)."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import ReadNextError

ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               429: "too_many_requests", 503: "model_unavailable", 507: "insufficient_storage"}
log = logging.getLogger("readnext.server.app")


def answer_failures(app: Flask, max_request_bytes: int) -> None:
    @app.errorhandler(ReadNextError)
    def readnext_error(error: ReadNextError):
        return error_response(error.status, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = error.description
        if error.code == 400 and request.is_json:
            message = "the body is not valid JSON"
        if error.code == 413:
            message = f"the request is larger than {max_request_bytes} bytes"
        return error_response(error.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, f"internal error: {type(error).__name__}; see the server log")


def error_response(status: int, message: str):
    response = jsonify({"error": {"code": ERROR_CODES.get(status, "error"), "message": message}})
    response.status_code = status
    return response
