"""The read-only JSON API under /api/v1/: the archive's data for other people's tools."""
