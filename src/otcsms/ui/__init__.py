"""The UI kit every app's pages are built from: generic site-scoped views and forms, CRUD URL patterns, the
site switcher's session helpers.

A plain package below the domain apps (docs/decisions/0004-layers.md); the platform's own pages (dashboard,
audit trail, tokens, users), the root URLconf and the navigation live in ``web``, at the top. The shared
templates these views render (``web/object_list.html`` ...) stay in the ``web`` app's template folder.
"""
