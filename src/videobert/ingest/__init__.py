"""`videobert ingest`: videos -> 20 fps 1.5 s clips -> backbone features + timed sentences -> corpus."""
from .config import IngestConfig
from .pipeline import IngestSummary, ingest, ingest_video

__all__ = ["IngestConfig", "IngestSummary", "ingest", "ingest_video"]
