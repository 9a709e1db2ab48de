"""The stock OTIO adapters' own test suites, run against ours (README.md)."""
