"""Tenancy: the organisation, its sites and who holds which role on each site.

The bottom domain layer: every site-owned record of every other app points at a site, and core's scoping reads
the memberships (tenancy hands its membership model to core when Django is ready, see ``apps``). Nothing here
imports a domain app. See docs/decisions/0004-layers.md.
"""
