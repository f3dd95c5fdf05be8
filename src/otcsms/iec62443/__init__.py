"""IEC 62443 as plain data and functions, shared by plant (zones' SL-T) and assessments (SL-A, selection).

A plain package: no models, no Django, importing nothing else of otcsms (the bottom layer, docs/decisions/0004-layers.md).
"""
