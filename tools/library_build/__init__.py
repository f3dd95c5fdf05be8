"""Builders of the shipped framework library, one module per source (see tools/build_library.py)."""
