"""Typed errors. The API turns them into JSON with their status code; the CLI into one short line."""


class ReadNextError(Exception):
    status = 500


class ValidationError(ReadNextError):
    """The caller sent something malformed."""
    status = 400


class Unauthorized(ReadNextError):
    status = 401


class Forbidden(ReadNextError):
    status = 403


class NotFound(ReadNextError):
    status = 404


class Conflict(ReadNextError):
    status = 409


class TooManyRequests(ReadNextError):
    status = 429


class ModelError(ReadNextError):
    """The embedding model could not be found or loaded."""
    status = 503
