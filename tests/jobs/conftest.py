from __future__ import annotations

import pytest

from tests.cli.test_cli import instance  # noqa: F401  (a real instance, for the worker process tests)


@pytest.fixture
def checkpoint_dir(settings, tmp_path):
    settings.CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.JOBS_RETRY_BASE_SECONDS = 60
    settings.JOBS_RETRY_MAX_SECONDS = 3600
    return settings.CHECKPOINT_DIR
