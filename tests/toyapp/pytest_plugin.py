"""Installs the toy app for the test session: ``-p tests.toyapp.pytest_plugin`` in pyproject's addopts.

pytest-django sets Django up in its own ``pytest_load_initial_conftests``, before any conftest.py is read,
and INSTALLED_APPS must hold the app by then (its migration creates its table in every test database). So
this runs first: it loads the settings pytest-django is about to load and adds the app to them. The
environment is left as it was, so the `otcsms` processes the CLI tests start run the product's settings.
"""

from __future__ import annotations

import os

import pytest

TOY_APP = "tests.toyapp"
SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    options = parser.parse_known_args(args)
    if options.help or options.version:
        return
    # The choice pytest-django makes: --ds, then the environment, then the ini file.
    module = options.ds or os.environ.get(SETTINGS_VARIABLE) or early_config.getini(SETTINGS_VARIABLE)
    if not module:
        return
    os.environ[SETTINGS_VARIABLE] = module
    from django.conf import settings

    if TOY_APP not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, TOY_APP]
