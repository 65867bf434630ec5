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


class WriteFailed(ReadNextError):
    """A write did not complete (disk full, quota, I/O error); what was there before is left as it was."""
    status = 507


class DamagedData(ReadNextError):
    """A file in the data directory is damaged in a way that is not safe to repair on the fly."""
    status = 500

    def __init__(self, path, problem: str):
        super().__init__(f"{path} {problem}; run `readnext check --repair` (it keeps a copy of what it replaces)")
        self.path = path
