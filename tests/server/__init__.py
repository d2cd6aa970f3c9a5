"""Local W&B-protocol server for runlog's tests (see README.md)."""
