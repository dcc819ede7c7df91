"""Settings: typed, prefixed, and production refuses the public development secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from xinyong.core.audit_keys import create_key_file
from xinyong.core.config import Settings


def test_defaults_point_at_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINYONG_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///var/xinyong.db"
    assert settings.is_sqlite


def test_environment_variables_use_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_PORT", "9001")
    monkeypatch.setenv("PORT", "1")
    assert Settings().port == 9001


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("XINYONG_PORT", "70000"),
        ("XINYONG_FIELD_KEY", "abcd"),
        ("XINYONG_FIELD_KEY", "zz" * 16),
        ("XINYONG_BLIND_INDEX_KEY", "00" * 8),
        ("XINYONG_ENV", "staging"),
        ("XINYONG_FIELD_KEYS_OLD", '["00"]'),
    ],
)
def test_bad_values_are_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as bad:
        Settings()
    assert name.removeprefix("XINYONG_").lower() in str(bad.value)


def test_production_refuses_development_secrets(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as refused:
        Settings(env="production").check_production()
    assert "XINYONG_FIELD_KEY" in str(refused.value)
    Settings(env="development").check_production()
    key_file = tmp_path / "audit.key"
    create_key_file(key_file)  # production also needs the audit chain's key file, outside the database
    Settings(
        env="production",
        secret_key="s" * 40,
        field_key="ab" * 16,
        blind_index_key="cd" * 32,
        report_key="r" * 40,
        outbox_secret="o" * 40,
        audit_key_file=key_file,
        argon2_cost="standard",  # the suite itself runs with the light cost (tests/conftest.py)
    ).check_production()
    with pytest.raises(RuntimeError, match="XINYONG_ARGON2_COST"):
        Settings(
            env="production", secret_key="s" * 40, field_key="ab" * 16, blind_index_key="cd" * 32,
            report_key="r" * 40, outbox_secret="o" * 40, audit_key_file=key_file, argon2_cost="light",
        ).check_production()  # fmt: skip
    with pytest.raises(RuntimeError, match="XINYONG_OUTBOX_SECRET"):
        Settings(
            env="production", secret_key="s" * 40, field_key="ab" * 16, blind_index_key="cd" * 32, report_key="r" * 40
        ).check_production()
