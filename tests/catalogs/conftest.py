"""Fixtures for the framework library tests. They are pure Python: no database and no request, only the
shipped library files read through the same loader as any import."""

from __future__ import annotations

import pytest

from otcsms.catalogs.libformat import FrameworkDoc, LibraryBatch, load_shipped_library


@pytest.fixture(scope="session")
def shipped() -> LibraryBatch:
    return load_shipped_library()


@pytest.fixture(scope="session")
def frameworks(shipped: LibraryBatch) -> dict[str, FrameworkDoc]:
    return {fw.id: fw for fw in shipped.frameworks}
