"""pubdb: a publication bibliography manager backed by one SQLite database."""

from .version import __version__

__all__ = ["Library", "__version__"]


def __getattr__(name: str):
    # Importing the package stays cheap: the library loads on first use.
    if name == "Library":
        from .library import Library

        return Library
    raise AttributeError(name)
