"""Shipped library files (data only); listed by otcsms.catalogs.libformat.shipped_library_paths()."""
