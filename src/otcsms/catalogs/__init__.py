"""Framework library: catalogs, crosswalks, library file format and OSCAL conversion (no Django)."""
