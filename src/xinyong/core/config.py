"""One typed settings object for the whole platform.

Every field here is read from the environment with the ``XINYONG_`` prefix and must be documented in
``docs/settings.md`` (a test fails otherwise). Secrets have development defaults so the demo starts with no setup;
``Settings.check_production()`` refuses to run outside development while any of them is still the default.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only secrets. They are public (they are in this file), so production refuses them.
DEV_SECRET_KEY = "dev-secret-key-not-for-production-000000000000"  # noqa: S105 - public dev default, refused in production
DEV_FIELD_KEY = "00112233445566778899aabbccddeeff"
DEV_BLIND_INDEX_KEY = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
DEV_REPORT_KEY = "dev-report-key-not-for-production-0000000000000"  # public dev default, refused in production
DEV_OUTBOX_SECRET = "dev-outbox-secret-not-for-production-00000000000"  # noqa: S105 - public dev default, refused in production


def _default_database_url() -> str:
    return f"sqlite:///{Path('var') / 'xinyong.db'}"


class Settings(BaseSettings):
    """Platform settings (环境变量前缀 XINYONG_)."""

    model_config = SettingsConfigDict(env_prefix="XINYONG_", env_file=None, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default_factory=_default_database_url)
    database_echo: bool = False
    secret_key: str = DEV_SECRET_KEY
    field_key: str = DEV_FIELD_KEY
    blind_index_key: str = DEV_BLIND_INDEX_KEY
    field_keys_old: list[str] = Field(default_factory=list)
    # other blind index keys accepted for lookups: the old key while `xinyong keys rotate` rebuilds the indexes, or
    # the next key during a rolling switch (docs/operations.md, "Key rotation")
    blind_index_keys_old: list[str] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    platform_name: str = "信用中国（江西共青）"
    demo_seed: int = 20201
    demo_entities: int = Field(default=20_000, ge=100)
    page_size_max: int = Field(default=100, ge=1, le=10_000)
    redis_url: str | None = None
    rate_limit_per_minute: int = Field(default=300, ge=0)
    argon2_cost: Literal["standard", "light"] = "standard"  # "light": the test suite's cheap argon2
    login_limit_per_account: int = Field(default=10, ge=0)  # sign-in attempts a minute per account (0: off)
    login_limit_per_address: int = Field(default=30, ge=0)  # sign-in attempts a minute per client address (0: off)
    anon_export_per_hour: int = Field(default=20, ge=0)  # anonymous full exports an hour per client address (0: off)
    staff_export_per_hour: int = Field(default=200, ge=0)  # full exports an hour per signed-in user (0: off)
    trusted_proxies: list[str] = Field(default_factory=list)  # CIDRs whose X-Forwarded-For / X-Real-IP are believed
    api_key_cache_seconds: float = Field(default=5.0, ge=0, le=300)  # revocation lag in other worker processes
    db_pool_size: int = Field(default=20, ge=1, le=500)  # PostgreSQL connections kept per worker process
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    report_key: str = DEV_REPORT_KEY
    report_keys_old: list[str] = Field(default_factory=list)  # earlier report keys: old reports still verify
    objection_platform_days: int = Field(default=3, ge=1, le=60)
    objection_department_days: int = Field(default=7, ge=1, le=60)
    repair_accept_days: int = Field(default=3, ge=1, le=60)
    repair_decide_days: int = Field(default=10, ge=1, le=120)
    background_tick_seconds: int = Field(default=30, ge=0, le=86_400)  # 0: leave the sweeps to cron
    inspection_publish_days: int = Field(default=20, ge=1, le=60)
    base_url: str = "http://127.0.0.1:8000"
    upload_dir: Path = Path("var") / "uploads"
    outbox_secret: str = DEV_OUTBOX_SECRET
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_backoff_seconds: float = Field(default=30.0, ge=0, le=86_400)
    outbox_backoff_max_seconds: float = Field(default=21_600.0, ge=0, le=7 * 86_400)
    outbox_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    outbox_batch: int = Field(default=100, ge=1, le=10_000)
    outbox_lease_seconds: int = Field(default=300, ge=1, le=86_400)
    outbox_allowed_networks: list[str] = Field(default_factory=list)  # CIDRs a webhook may reach despite the guard
    check_notify_days: int = Field(default=90, ge=1, le=366)
    agency_ack_workdays: int = Field(default=3, ge=1, le=60)  # working days for an agency to confirm a removal
    agency_requests_per_minute: int = Field(default=60, ge=0, le=100_000)  # per agency, all its keys (0: off)
    check_log_durable: bool = True  # False: PostgreSQL may answer a check before its log row reaches the disk
    exchange_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    exchange_page_size: int = Field(default=500, ge=1, le=10_000)
    exchange_max_page_items: int = Field(default=5_000, ge=1, le=100_000)
    exchange_max_page_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    exchange_max_pages: int = Field(default=1_000, ge=1)
    exchange_max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    audit_key_file: Path = Path("var") / "audit.key"  # HMAC-SM3 keys of the audit chain, outside the database
    audit_keyring: str = "file"  # or "package.module:factory" returning an AuditKeyring (an HSM)
    audit_anchor_file: Path = Path("var") / "audit-anchors.jsonl"  # append-only copy of the signed chain heads
    audit_witness_file: Path | None = Path("var") / "audit-head.json"  # the newest committed head, outside the DB
    audit_anchor_minutes: int = Field(default=60, ge=5, le=1440)  # the tick anchors the head this often
    clock: str = ""  # training and test copies only: a start date YYYY-MM-DD, or "training" (core.clock_store)
    # Department files (CSV/XLSX/XLS) and uploads: bounds checked before a row is read (records.ingest.FileLimits)
    upload_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    upload_max_rows: int = Field(default=1_000_000, ge=1)
    upload_max_columns: int = Field(default=1_000, ge=1, le=16_384)
    upload_max_cells: int = Field(default=20_000_000, ge=1)
    upload_max_uncompressed_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1024)
    upload_max_ratio: int = Field(default=200, ge=2)
    upload_max_zip_members: int = Field(default=1_000, ge=4)
    upload_max_shared_strings: int = Field(default=2_000_000, ge=1)
    upload_max_shared_strings_bytes: int = Field(default=128 * 1024 * 1024, ge=1024)
    upload_xls_memory_bytes: int = Field(default=1024 * 1024 * 1024, ge=256 * 1024 * 1024)
    analyze_after_rows: int = Field(default=10_000, ge=1)  # PostgreSQL: ANALYZE a table after a bulk load this big
    analyze_growth: float = Field(default=0.1, gt=0)  # ... or one that grew it by this fraction (≥ 500 rows)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)  # any request body that is not a file upload
    # Operations (docs/operations.md): logs, /metrics, read replicas
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_networks: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])  # who may read /metrics
    metrics_token: str = ""  # or Authorization: Bearer <token> (empty: networks only)
    read_database_url: str = ""  # read replicas: one or more PostgreSQL URLs separated by spaces (docs/operations.md)
    read_your_writes_seconds: float = Field(default=10.0, ge=0, le=3600)
    replica_max_lag_seconds: float = Field(default=5.0, ge=0, le=86_400)
    replica_check_seconds: float = Field(default=2.0, ge=0, le=300)
    # The portal footer's government-site identifiers (docs/settings.md); empty: the footer omits them
    site_code: str = Field(default="", max_length=40)  # 网站标识码
    site_icp: str = Field(default="", max_length=60)  # ICP 备案号, e.g. 赣ICP备…号
    site_police_record: str = Field(default="", max_length=60)  # 公安机关备案号, e.g. 赣公网安备…号
    site_conac_url: str = Field(default="", max_length=300)  # 党政机关网站标识 link (shows the mark when set)

    @field_validator("field_key")
    @classmethod
    def _field_key_is_sm4(cls, value: str) -> str:
        if len(bytes.fromhex(value)) != 16:
            raise ValueError("XINYONG_FIELD_KEY must be 32 hex digits (a 128-bit SM4 key)")
        return value

    @field_validator("field_keys_old")
    @classmethod
    def _old_keys_are_sm4(cls, value: list[str]) -> list[str]:
        for key in value:
            if len(bytes.fromhex(key)) != 16:
                raise ValueError("each key in XINYONG_FIELD_KEYS_OLD must be 32 hex digits")
        return value

    @field_validator("outbox_allowed_networks", "trusted_proxies", "metrics_networks")
    @classmethod
    def _networks_are_cidrs(cls, value: list[str], info: ValidationInfo) -> list[str]:
        import ipaddress

        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                name = f"XINYONG_{(info.field_name or '').upper()}"
                raise ValueError(f"{name}: {cidr[:60]!r} is not a network (CIDR)") from None
        return value

    @field_validator("clock")
    @classmethod
    def _clock_is_a_date_or_training(cls, value: str) -> str:
        import datetime as dt

        text = value.strip()
        if text in ("", "training"):
            return text
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"XINYONG_CLOCK {text[:40]!r} is neither a date (YYYY-MM-DD) nor 'training'") from None
        return text

    @field_validator("site_conac_url")
    @classmethod
    def _conac_url_is_http(cls, value: str) -> str:
        text = value.strip()
        if text and not text.startswith(("https://", "http://")):
            raise ValueError("XINYONG_SITE_CONAC_URL must be an http(s) address")
        return text

    @field_validator("blind_index_key")
    @classmethod
    def _blind_key_long_enough(cls, value: str) -> str:
        if len(bytes.fromhex(value)) < 32:
            raise ValueError("XINYONG_BLIND_INDEX_KEY must be at least 64 hex digits (256 bits)")
        return value

    @field_validator("blind_index_keys_old")
    @classmethod
    def _old_blind_keys_long_enough(cls, value: list[str]) -> list[str]:
        for key in value:
            if len(bytes.fromhex(key)) < 32:
                raise ValueError("each key in XINYONG_BLIND_INDEX_KEYS_OLD must be at least 64 hex digits (256 bits)")
        return value

    @property
    def read_database_urls(self) -> list[str]:
        return self.read_database_url.split()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_production(self) -> None:
        """Refuse to serve production with the public development secrets, or with a moved clock."""
        if self.env != "production":
            return
        if self.clock:
            raise RuntimeError(
                "refusing to start in production with XINYONG_CLOCK set: production runs on the wall clock"
            )
        defaults = {
            "XINYONG_SECRET_KEY": self.secret_key == DEV_SECRET_KEY,
            "XINYONG_FIELD_KEY": self.field_key == DEV_FIELD_KEY,
            "XINYONG_BLIND_INDEX_KEY": self.blind_index_key == DEV_BLIND_INDEX_KEY,
            "XINYONG_REPORT_KEY": self.report_key == DEV_REPORT_KEY,
            "XINYONG_OUTBOX_SECRET": self.outbox_secret == DEV_OUTBOX_SECRET,
        }
        still_default = [name for name, is_default in defaults.items() if is_default]
        if still_default:
            raise RuntimeError("refusing to start in production with development secrets: " + ", ".join(still_default))
        if self.argon2_cost != "standard":
            raise RuntimeError("refusing to start in production with XINYONG_ARGON2_COST other than standard")
        if self.audit_keyring == "file" and not self.audit_key_file.is_file():
            raise RuntimeError(
                f"refusing to start in production without the audit key file {self.audit_key_file} "
                "(XINYONG_AUDIT_KEY_FILE; create it with 'xinyong audit keygen')"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
