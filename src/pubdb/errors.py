"""One error family for pubdb: the CLI turns each into one line and an exit code."""


class PubdbError(Exception):
    """A failure the user should read about, not a bug."""

    exit_code = 1


class UsageError(PubdbError):
    """Bad input from the user: nothing was done."""

    exit_code = 2


class InvalidIdentifier(UsageError):
    """An arXiv id or DOI that is not well formed."""


class RecordNotFound(UsageError):
    """A citation key, id or DOI that matches no publication."""


class NetworkError(PubdbError):
    """The remote service could not be reached or answered badly."""


class DatabaseError(PubdbError):
    """The database is locked, damaged, or from a newer pubdb."""


class FileError(PubdbError):
    """A file could not be read or written (a full disk, a missing permission)."""
