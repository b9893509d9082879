"""pubdb: a publication bibliography manager backed by one SQLite database."""

__version__ = "0.1.0"

__all__ = ["Library", "__version__"]


def __getattr__(name: str):
    # Importing the package stays cheap: the library loads on first use.
    if name == "Library":
        from .library import Library

        return Library
    raise AttributeError(name)
