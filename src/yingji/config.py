"""Settings read from the environment (prefix ``YINGJI_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"


class Settings(BaseSettings):
    """Effective configuration; secrets are ``SecretStr`` so they never print by accident."""

    model_config = SettingsConfigDict(env_prefix="YINGJI_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/yingji.db"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    host: str = "127.0.0.1"
    port: int = 8000
    storage_root: Path = Path("./var/storage")
    cache_dir: Path = Path("./var/cache")
    """Derived data rebuilt on demand (e.g. the earthquake exposure units); safe to delete."""
    base_tile_url: str | None = None
    """Optional XYZ tile URL for the map; without it boundaries draw on a plain background."""
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh-CN"
    token_ttl_hours: int = 24 * 30
    session_max_age_seconds: int = 12 * 3600
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    secure_cookies: bool = False
    """Set true behind HTTPS so the session cookie is only sent over TLS."""
    max_upload_mb: int = 10
    """Largest photo or document accepted per file."""
    hazard_deadline_days_general: int = 15
    """Default rectification deadline for a general hazard (一般隐患), in days."""
    hazard_deadline_days_major: int = 90
    """Default rectification deadline for a major hazard (重大隐患), in days."""
    # --- jobs and hazard reminders ---
    worker_mode: Literal["inprocess", "off"] = "inprocess"
    """``inprocess``: ``yingji serve`` runs due jobs in a background thread; ``off``: only
    separate ``yingji worker`` processes do."""
    worker_poll_seconds: float = 5.0
    """How often a worker looks for due jobs."""
    job_lease_seconds: int = 300
    """How long a claimed job stays a worker's; after that (a crash) another worker retakes it."""
    job_max_attempts: int = 8
    """Attempts before a failing job is marked failed (retries back off from 30 s to 1 h)."""
    hazard_prompt_days_before: int = 3
    """A prompt (提示单) goes to the rectification owner this many days before the deadline."""
    hazard_circular_after_days: int = 7
    """After this many overdue days a circular (通报) goes to the upper-level government."""
    whistle_key: SecretStr | None = None
    """Key protecting whistleblowers' identities; unset: derived from secret_key (changing
    that key then makes stored identities unreadable)."""
    whistle_identity_readers: list[str] = []
    """Usernames allowed to read a whistleblower's name and phone (each read is audited)."""
    whistle_max_per_hour: int = 5
    """Public reports accepted per client address per hour."""
    whistle_lookups_per_hour: int = 30
    """Receipt status look-ups per client address per hour."""
    whistle_min_fill_seconds: int = 5
    """A report form sent back sooner than this after it was served is refused as scripted."""
    cap_feeds: list[str] = []
    """ATOM/RSS feeds of CAP warnings to take in (polled about once a minute by the workers)."""
    quake_feeds: list[str] = []
    """Earthquake catalogue feeds (QuakeML, USGS GeoJSON or a simple JSON list; URLs or
    local paths), polled about once a minute; each new event is assessed automatically."""
    quake_min_magnitude: float = 4.5
    """Feed events below this magnitude are not assessed."""
    quake_incident_intensity: int = 6
    """An assessment whose maximum intensity reaches this opens an incident by itself."""
    # --- incidents ---
    natural_levels_file: Path | None = None
    """A CSV (level, dead_missing, relief) replacing the national natural-disaster response
    thresholds shipped in ``incidents/data/natural_levels.csv`` with local ones."""
    follow_up_report_minutes: int = 120
    """A change of casualty figures must be reported upward (续报) within this time."""
    # --- notification channels (yingji.notify) ---
    sms_gateway_url: str | None = None
    """SMS gateway endpoint (JSON POST); unset: the ``sms`` channel is not configured."""
    sms_template: str = "【应急】{text}{confirm}"
    """SMS text; fields ``{text}``, ``{code}``, ``{link}`` and ``{confirm}`` (reply hint)."""
    voice_gateway_url: str | None = None
    """Voice-call gateway endpoint (JSON POST); unset: the ``voice`` channel is not configured."""
    voice_timeout_seconds: float = 60.0
    """A voice gateway answers after the call ends, so it may take up to a ringing period."""
    notify_timeout_seconds: float = 5.0
    """Timeout of one SMS gateway request or MQTT publish; past it the send is retried later."""
    mqtt_host: str = "127.0.0.1"
    """MQTT broker of the loudspeaker terminals (叫应终端)."""
    mqtt_port: int = 1883
    """Port of that broker."""
    mqtt_username: str | None = None
    """Broker user name, when the broker requires one."""
    mqtt_password: SecretStr | None = None
    """Broker password."""
    email_smtp_host: str | None = None
    """SMTP server for the ``email`` channel; unset: the channel is not configured."""
    email_smtp_port: int = 25
    email_smtp_username: str | None = None
    email_smtp_password: SecretStr | None = None
    email_smtp_starttls: bool = False
    email_from: str = "yingji@emergency.local"
    """Sender address of instruction e-mails."""
    channel_rates: dict[str, float] = {"sms": 100.0, "voice": 10.0, "terminal": 50.0, "email": 20.0}
    """Messages per second each channel may send from one worker process (gateways cap
    SMS at 3-100/s and voice at 1-10 calls/s); a channel not listed is not limited."""
    delivery_max_attempts: int = 6
    """Attempts before a retryable delivery is marked failed (back-off 10 s doubling)."""
    delivery_lease_seconds: int = 60
    """How long a claimed delivery stays a sender's; after that (a crash) another sender
    retakes it and sends it again under the same idempotency key."""
    sms_batch_url: str | None = None
    """The SMS gateway's batch endpoint (up to ``sms_batch_size`` messages per request, like
    Chinese gateways' batch APIs); unset: one request per message."""
    sms_batch_size: int = 100
    gateway_token: SecretStr | None = None
    """Token gateways must send in the ``X-Gateway-Token`` header with delivery receipts
    (POST /api/v1/notify/receipts/{channel}) and inbound SMS (POST
    /api/v1/notify/inbound/sms); unset: derived from secret_key by HMAC
    (``yingji.notify.receipts_api.expected_token()`` tells it)."""
    public_url: str = "http://127.0.0.1:8000"
    """Address recipients' phones reach Yingji at; signed confirm links start with it."""
    # --- call-response (叫应) ---
    confirm_minutes_by_level: dict[int, int | None] = {1: 5, 2: 15, 3: 30, 4: None}
    """Confirmation deadline by warning level (1 red … 4 blue); None asks no confirmation."""
    redial_count: int = 3
    """Voice redials of an unanswered instruction before it escalates (勉县: 3 within 5 min)."""
    redial_window_minutes: int = 5
    """The redials are spread over this many minutes after the deadline."""
    escalation_max_rounds: int = 2
    """How many levels of superiors an unanswered call climbs."""
    # --- distributed workers ---
    broker_url: str | None = None
    """Celery broker (``amqp://`` RabbitMQ or ``redis://``); set: outbox draining and
    sending run as Celery tasks in ``yingji worker`` processes; unset: in-process."""
    broker_queue_prefix: str = "yingji"
    """Prefix of the Celery queue names, so two installations (or test runs) can share a broker."""


@lru_cache
def get_settings() -> Settings:
    return Settings()


def masked(settings: Settings) -> dict[str, str]:
    """The configuration as text, with secrets and database passwords masked."""
    from sqlalchemy.engine import make_url

    out: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = "********" if value.get_secret_value() else ""
        elif name == "database_url":
            text = make_url(value).render_as_string(hide_password=True)
        else:
            text = "" if value is None else str(value)
        out[name] = text
    return out
