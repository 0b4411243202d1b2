"""The one error hierarchy of Longjiang Corridor.

Every error the core raises on purpose is a :class:`LongjiangError`; the faces
(CLI, API) turn these into a one-line message and an exit code, or an RFC 9457
problem response, in one place each.

    LongjiangError
    ├── DataError                 a shipped or user data file is malformed
    │   └── ValidationError       one or more problems found by validation (all listed)
    ├── NotFoundError             a thing named by the user does not exist
    │   └── UnknownPlaceError     a place name matches nothing (carries suggestions)
    ├── InputError                a request is malformed (bad option, bad value)
    ├── NoRouteError              no route satisfies the request
    ├── ProofError                a Merkle proof does not verify (carries roots)
    ├── SignatureError            a signature or signed note does not verify
    ├── AuthorizationError        a party may not do what it asked
    ├── AuthenticationError       a request's signature, date or nonce does not check out (401)
    ├── ConflictError             the request contradicts what is recorded (409)
    ├── PayloadTooLarge           a request body over the configured limit (413)
    ├── RateLimited               too many requests from one party (429, carries retry_after)
    └── StorageError              the database refused or is inconsistent
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "ConflictError",
    "DataError",
    "InputError",
    "LongjiangError",
    "NoRouteError",
    "NotFoundError",
    "PayloadTooLarge",
    "Problem",
    "ProblemKind",
    "ProofError",
    "RateLimited",
    "SignatureError",
    "StorageError",
    "UnknownPlaceError",
    "ValidationError",
]


class LongjiangError(Exception):
    """Root of every error Longjiang raises on purpose."""

    #: a short machine-readable code, used as the problem ``type`` suffix and CLI exit code map
    code = "error"
    #: HTTP status used by the API for this kind of error
    http_status = 500


class InputError(LongjiangError):
    """A request is malformed: an option or value is not what was expected."""

    code = "bad-input"
    http_status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DataError(LongjiangError):
    """A data file cannot be read or parsed."""

    code = "bad-data"
    http_status = 422


class ProblemKind(StrEnum):
    """What kind of problem validation found: a :class:`Problem`'s ``kind``.

    Its value is what the JSON of a problem (``kind``) and its text (``[kind]``) show.
    """

    BAD_DATE = "bad-date"
    BAD_FIGURE = "bad-figure"
    BAD_GAUGE = "bad-gauge"
    BAD_HEADER = "bad-header"
    BAD_MONTHS = "bad-months"
    BAD_NUMBER = "bad-number"
    BAD_ROW = "bad-row"
    BAD_SOURCE = "bad-source"
    BAD_VALUE = "bad-value"
    CONFLICT = "conflict"
    CONTROL_CHARACTER = "control-character"
    CROSSING_MODE = "crossing-mode"
    CURRENCY = "currency"
    DUPLICATE = "duplicate"
    DUPLICATE_ID = "duplicate-id"
    EMPTY_FILE = "empty-file"
    ENCODING = "encoding"
    FIGURE_MISMATCH = "figure-mismatch"
    FIGURE_NO_PATH = "figure-no-path"
    FIGURE_UNKNOWN_NODE = "figure-unknown-node"
    FIGURE_UNREADABLE = "figure-unreadable"
    FILE = "file"
    FORMAT = "format"
    GAUGE_BREAK_WITHOUT_TRANSFER = "gauge-break-without-transfer"
    GEOMETRY_TOO_LONG = "geometry-too-long"
    HEADER = "header"
    IMPOSSIBLE_DISTANCE = "impossible-distance"
    INVALID = "invalid"
    IO = "io"
    MISSING = "missing"
    MISSING_CROSSING = "missing-crossing"
    MISSING_FACILITY = "missing-facility"
    MISSING_FILE = "missing-file"
    MISSING_GAUGE = "missing-gauge"
    MISSING_PARAMETERS = "missing-parameters"
    SELF_LOOP = "self-loop"
    SUSPECT_DISTANCE = "suspect-distance"
    SYNTAX = "syntax"
    UNKNOWN = "unknown"
    UNKNOWN_CROSSING = "unknown-crossing"
    UNKNOWN_FIELD = "unknown-field"
    UNKNOWN_ID = "unknown-id"
    UNKNOWN_LINK = "unknown-link"
    UNKNOWN_MODE = "unknown-mode"
    UNKNOWN_NODE = "unknown-node"
    UNREACHABLE_NODE = "unreachable-node"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Problem:
    """One problem found by validation: where, what, and what was expected.

    A problem of a data file names the file, line and field; a problem of a JSON document
    (an EPCIS event, say) names where in it with :attr:`pointer`, a JSON pointer (RFC 6901),
    made with :meth:`at`.
    """

    file: str
    line: int | None
    field: str | None
    value: str | None
    message: str
    kind: ProblemKind = ProblemKind.INVALID
    pointer: str | None = None

    def __post_init__(self) -> None:
        # a kind given by its value (``"duplicate"``) is the member; an unknown one is refused
        object.__setattr__(self, "kind", ProblemKind(self.kind))

    @classmethod
    def at(cls, pointer: str, message: str, value: str | None = None) -> Problem:
        """A problem of a JSON document, at ``pointer`` (``""`` is the whole document)."""
        return cls("", None, pointer or None, value, message, pointer=pointer)

    def __str__(self) -> str:
        if self.pointer is not None:
            got = f" (got {self.value})" if self.value is not None else ""
            return f"{self.pointer or '/'}: {self.message}{got}"
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = ""
        if self.field is not None:
            what = f" {self.field}={self.value!r}" if self.value is not None else f" {self.field}"
        return f"{where}:{what} {self.message} [{self.kind}]"


class ValidationError(DataError):
    """Validation found one or more problems; all of them are in :attr:`problems`."""

    code = "invalid-data"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        n = len(self.problems)
        head = str(self.problems[0]) if self.problems else "no details"
        more = f" (and {n - 1} more)" if n > 1 else ""
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found: {head}{more}")


class NotFoundError(LongjiangError):
    """Something the user named does not exist."""

    code = "not-found"
    http_status = 404


class UnknownPlaceError(NotFoundError):
    """A place name matches no node; :attr:`suggestions` holds the closest matches."""

    code = "unknown-place"

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        names = ", ".join(repr(s) for s in self.suggestions)
        hint = f"; did you mean {names}?" if names else ""
        super().__init__(f"Unknown place: {name!r}{hint}")


class NoRouteError(LongjiangError):
    """No route satisfies the request (date, modes, avoidances)."""

    code = "no-route"
    http_status = 404


class ProofError(LongjiangError):
    """A Merkle proof does not verify; carries the expected and calculated roots."""

    code = "bad-proof"
    http_status = 422

    def __init__(
        self, message: str, *, expected: bytes | None = None, calculated: bytes | None = None
    ) -> None:
        self.expected = expected
        self.calculated = calculated
        detail = ""
        if expected is not None and calculated is not None:
            detail = f" (expected root {expected.hex()}, calculated {calculated.hex()})"
        super().__init__(message + detail)


class SignatureError(LongjiangError):
    """A signature does not verify."""

    code = "bad-signature"
    http_status = 422


class AuthorizationError(LongjiangError):
    """A party may not do what it asked."""

    code = "forbidden"
    http_status = 403


class StorageError(LongjiangError):
    """The database refused an operation or is inconsistent."""

    code = "storage"
    http_status = 503


class AuthenticationError(LongjiangError):
    """A request is not authenticated: no, a bad or a replayed signature, or a stale date.

    ``challenge`` is what the API sends in ``WWW-Authenticate`` (RFC 9110 §11.6.1): by
    default the ledger's signed-request scheme; a bearer-token endpoint names its own.
    """

    code = "unauthenticated"
    http_status = 401
    SIGNED_REQUEST = 'Longjiang-Signature realm="longjiang", headers="longjiang-party ' \
                     'longjiang-date longjiang-nonce content-digest longjiang-signature"'

    def __init__(self, message: str, *, challenge: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge or self.SIGNED_REQUEST


class ConflictError(LongjiangError):
    """The request contradicts what is already recorded (an event another party recorded)."""

    code = "conflict"
    http_status = 409


class PayloadTooLarge(LongjiangError):
    """A request body larger than the configured limit (refused before it is read whole)."""

    code = "too-large"
    http_status = 413


class RateLimited(LongjiangError):
    """Too many requests from one party; :attr:`retry_after` is in seconds."""

    code = "rate-limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
