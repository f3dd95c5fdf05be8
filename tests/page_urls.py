"""Every page of the web UI as a URL to visit: the URL resolver's routes outside /api/, /static/ and the login
machinery, each route with an object id given an object of the model its view declares, else of a model its
path names (``sites/<id>`` a site, ``assets/<id>`` an asset, ...). Used by the browser test of every page
(tests/e2e/test_every_page.py) and by bench/pages.py; a new page is covered without being named."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
SKIPPED_PREFIXES = ("/api/", "/static/", "/accounts/", "/login", "/logout", "/password", "/healthz")


def routes() -> list[tuple[str, str, object]]:
    """(route, url name, callback) of every UI page."""
    found: list[tuple[str, str, object]] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append((prefix + str(p.pattern), p.name or "", p.callback))

    walk(get_resolver().url_patterns, "/")
    return [(r, n, c) for r, n, c in found if not r.startswith(SKIPPED_PREFIXES) and "logout" not in r]


def candidate_models(route: str, callback: object) -> list:
    """Models whose object may fill the route's id: its view's model, else those its path segment names."""
    view = getattr(callback, "view_class", None)
    if view is not None and getattr(view, "model", None) is not None:
        return [view.model]
    before = route.split("<", 1)[0].rstrip("/").rsplit("/", 1)[-1].replace("-", "")
    singular = before[:-1] if before.endswith("s") else before
    found = []
    for model in apps.get_models():
        names = {model._meta.model_name, str(model._meta.verbose_name).replace(" ", ""),
                 str(model._meta.verbose_name_plural).replace(" ", "")}  # fmt: skip
        if (
            singular in names
            or before in names
            or (len(singular) > 3 and any(n.endswith(singular) for n in names))
        ):
            found.append(model)
    return found


def fill(route: str, pk: object) -> str | None:
    """The route with its id parameters set to ``pk`` (an object type to plant.zone); None if it takes another."""

    def one(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter in ("id", "int", "pk"):
            return str(pk)
        if name == "object_type":
            return "plant.zone"
        raise LookupError(name)

    try:
        return _PARAM.sub(one, route).replace("^", "").replace("$", "")
    except LookupError:
        return None


def page_urls(works: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """(URLs of every page, routes skipped with why). ``works(url)`` says whether a filled URL is a page (a GET
    answered 200): of the objects that may fill a route, the first that does."""
    urls: list[str] = []
    skipped: list[str] = []
    for route, name, callback in routes():
        if "<" not in route:
            urls.append(route)
            continue
        url = None
        for model in candidate_models(route, callback):
            pk = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
            tried = fill(route, pk) if pk is not None else None
            if tried and works(tried):
                url = tried
                break
        if url is None:
            skipped.append(f"{route} ({name}): no object fits, or it is not a page (POST only, a file)")
        else:
            urls.append(url)
    return urls, skipped
