"""Settings helpers refuse values they cannot understand instead of guessing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from otcsms.envconfig import env_bool, env_choice, env_int, env_list, env_path, env_str


@pytest.mark.parametrize(
    "raw,expected", [("1", True), ("yes", True), ("On", True), ("0", False), ("off", False)]
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "truee", "ja"])
def test_nonsense_booleans_are_refused(monkeypatch, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_integers_with_bounds(monkeypatch):
    monkeypatch.setenv("X_INT", "12")
    assert env_int("X_INT", 1, minimum=1, maximum=20) == 12
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_INT", 1)


def test_strings_lists_and_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("X_STR", "  padded ")
    assert env_str("X_STR") == "padded"
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    file = tmp_path / "file"
    file.write_text("x")
    monkeypatch.setenv("X_DIR", str(file))
    with pytest.raises(ImproperlyConfigured, match="not a directory"):
        env_path("X_DIR", tmp_path)


def test_database_url_must_be_postgresql(monkeypatch):
    import importlib

    import otcsms.settings as settings_module

    monkeypatch.setenv("DATABASE_URL", "mysql://root@127.0.0.1/test")
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        importlib.reload(settings_module)
    monkeypatch.undo()
    importlib.reload(settings_module)


def test_choices(monkeypatch):
    monkeypatch.setenv("X_CHOICE", " RQ ")
    assert env_choice("X_CHOICE", "database", ("database", "rq")) == "rq"
    monkeypatch.setenv("X_CHOICE", "celery")
    with pytest.raises(ImproperlyConfigured, match="X_CHOICE='celery' is not one of database, rq"):
        env_choice("X_CHOICE", "database", ("database", "rq"))


@pytest.mark.parametrize(
    "variable,value,reason",
    [
        ("OTCSMS_TASKS_QUEUE", "my queue", "OTCSMS_TASKS_QUEUE"),
        ("OTCSMS_TASKS_QUEUE", "q" * 33, "OTCSMS_TASKS_QUEUE"),
        ("OTCSMS_JOB_RETRY_MAX_SECONDS", "30", "OTCSMS_JOB_RETRY_MAX_SECONDS=30 is below the minimum 60"),
        ("OTCSMS_JOB_RETRY_BASE_SECONDS", "0", "OTCSMS_JOB_RETRY_BASE_SECONDS"),
    ],
)
def test_job_settings_are_checked(monkeypatch, variable, value, reason):
    import importlib

    import otcsms.settings as settings_module

    monkeypatch.setenv(variable, value)
    with pytest.raises(ImproperlyConfigured, match=reason):
        importlib.reload(settings_module)
    monkeypatch.undo()
    importlib.reload(settings_module)
