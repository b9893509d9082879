"""pubdb's version: one place, read by the package, its User-Agent and its build."""

__version__ = "0.1.0"
