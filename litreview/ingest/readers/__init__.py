"""One module per importable format; each registers its Reader with litreview.ingest.registry when imported."""
