"""The exceptions geozones raises.

One root, :class:`GeozonesError`; each subclass also inherits the builtin it resembles so
callers can catch either. The command line turns any of them into a one-line message and a
non-zero exit code; nothing here knows about the command line.
"""

__all__ = [
    "GeozonesError",
    "InputError",
    "CRSError",
    "CoordinateError",
    "StationFileError",
    "GeometryError",
    "OutputError",
    "MissingExtraError",
    "first_line",
]


class GeozonesError(Exception):
    """Root of every error geozones raises on purpose.

    Raised with a message key of :mod:`geozones.text` and its parameters, so the same error
    reads in English (``str(err)``) or Chinese (``err.localized("zh")``). Every subclass also
    is the builtin it resembles (``InputError`` a ``ValueError``, ``OutputError`` an
    ``OSError``, ``MissingExtraError`` an ``ImportError``) and has the command line's
    ``exit_code``.

    Parameters
    ----------
    key : str
        The message key (``geozones/text/messages/en.toml`` and ``zh.toml``).
    **params
        The values of the message's placeholders (numbers, paths, names).
    """

    exit_code = 1

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.localized("en"))

    def __reduce__(self):
        # pickled by key and parameters (a dask worker's error reaches the driver whole)
        return _rebuild, (type(self), self.key, self.params)

    def localized(self, lang: str = "en") -> str:
        from .text import t

        return t(self.key, lang, **self.params)


class InputError(GeozonesError, ValueError):
    """An input (option, file, column) cannot be used as given."""

    exit_code = 2


class CRSError(InputError):
    """A coordinate reference system is unknown or does not fit the coordinates."""


class CoordinateError(InputError):
    """Coordinates that cannot be meant: swapped axes, degrees vs metres, far from every zone."""


class GeometryError(InputError):
    """A geometry that cannot be parsed or is empty."""


class StationFileError(InputError):
    """A station or zone-set file is missing a field or has a value of the wrong kind."""


class OutputError(GeozonesError, OSError):
    """An output cannot be written (exists already, unknown format, no permission)."""

    exit_code = 3


class MissingExtraError(GeozonesError, ImportError):
    """An optional part (PDF output, diagrams, DXF drawings, the dask engine) needs a package
    that is not installed; the message names the extra that installs it
    (``pip install 'geozones[pdf]'``)."""

    exit_code = 2


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none), for the
    one-line errors about files that a library could not read or write."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _rebuild(cls, key: str, params: dict) -> GeozonesError:
    return cls(key, **params)
