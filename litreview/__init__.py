"""litreview: a local-first literature-review desktop app."""

__version__ = "0.1.0"
