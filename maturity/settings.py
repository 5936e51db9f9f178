"""Settings, read once from ``MATURITY_*`` environment variables and passed to ``create_app``."""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

Mode = Literal["production", "development", "demo", "test"]
TASK_RUNNERS = ("auto", "local", "procrastinate")
LOCALES = ("nb", "en")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite:///maturity.db"
    secret_key: str = field(default="", repr=False)
    base_url: str = "http://127.0.0.1:8000"
    mode: Mode = "production"
    secure_cookies: bool = True
    default_locale: str = "nb"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    mail_from: str = "maturity@localhost"
    mail_outbox: Path = Path("var/outbox")
    reminder_interval_hours: int = 72  # a person not submitted is reminded at most this often
    # KPI values, action updates and narratives owed: reminded this many days before their due
    # date and after it, at most once per interval; the periodic task looks this often.
    update_reminder_days_before: int = 7
    update_reminder_interval_hours: int = 168
    update_reminder_check_seconds: int = 3600
    mail_retry_seconds: int = 30  # after a mail-server refusal, the first wait; doubled on each try
    report_storage: Path = Path("var/reports")
    institution_name: str = ""  # on report covers; empty: the name of the top unit
    institution_logo: str = ""  # an SVG or PNG file for report covers; empty: none
    accessibility_statement_url: str = ""  # the published statement (uustatus.no); empty: none
    accessibility_feedback: str = ""  # an e-mail address for accessibility feedback; empty: none
    db_pool_size: int = 10
    # Background tasks: "auto" is procrastinate workers on PostgreSQL, the app's own threads on SQLite.
    task_runner: str = "auto"
    # Periodic tasks (rounds opened and closed on schedule): off where something else does it (tests).
    periodic_tasks: bool = True
    local_task_threads: int = 2  # the local runner's threads (and the app's PDF render processes)
    worker_heartbeat_seconds: int = 10  # a worker says it is alive this often
    stalled_after_seconds: int = 60  # a worker silent this long is dead: its running jobs are queued again
    stalled_check_seconds: int = 30  # how often workers look for the jobs of dead ones
    schedule_check_seconds: int = 60  # how often rounds due to open or close are looked for
    periodic_max_delay_seconds: int = 600  # a schedule missed by longer than this (all workers down) is skipped
    login_max_failures: int = 5
    login_window_seconds: int = 900
    session_idle_seconds: int = 8 * 3600
    # Password login for everyone; when off, only accounts marked break-glass may use it.
    password_login: bool = True
    # Sign-in with OpenID Connect (Feide: issuer https://auth.dataporten.no); off while the issuer is empty.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_scopes: str = "openid userid-feide userinfo-name email groups-org"
    oidc_button_label: str = ""  # empty: "Log in with Feide" in the reader's language
    # Claims of the userinfo answer: the account key (the login name) and the person's name and e-mail.
    oidc_login_claim: str = "https://n.feide.no/claims/eduPersonPrincipalName"
    oidc_name_claim: str = "name"
    oidc_email_claim: str = "email"
    # Feide's groups API (https://groups-api.dataporten.no/groups/me/groups); empty: not asked.
    oidc_groups_url: str = ""
    # primaryAffiliation → respondent group code, e.g. "faculty=academic,staff=admin".
    oidc_affiliation_groups: str = ""
    # Create people the staff list does not know as staff (home unit from the groups API).
    oidc_self_registration: bool = False
    # Link a first sign-in to a staff-list person without a login name by their e-mail address.
    oidc_link_by_email: bool = True
    # Whom a person the app does not know should contact, shown on the refusal page.
    signin_contact: str = ""

    def __post_init__(self) -> None:
        if self.mode not in ("production", "development", "demo", "test"):
            raise SettingsError(f"MATURITY_MODE must be production, development, demo or test, not {self.mode!r}")
        if self.default_locale not in LOCALES:
            raise SettingsError(
                f"MATURITY_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, not {self.default_locale!r}"
            )
        if not self.secret_key:
            if self.mode == "production":
                raise SettingsError(
                    "MATURITY_SECRET_KEY is not set. Production needs a long random secret "
                    "(for example `python -c 'import secrets; print(secrets.token_urlsafe(48))'`); "
                    "set MATURITY_MODE=development for local use without one."
                )
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))
        elif len(self.secret_key) < 32:
            raise SettingsError("MATURITY_SECRET_KEY must be at least 32 characters long.")
        if self.task_runner not in TASK_RUNNERS:
            raise SettingsError(
                f"MATURITY_TASK_RUNNER must be one of {', '.join(TASK_RUNNERS)}, not {self.task_runner!r}"
            )
        if self.task_runner == "procrastinate" and self.is_sqlite:
            raise SettingsError("MATURITY_TASK_RUNNER=procrastinate needs a PostgreSQL MATURITY_DATABASE_URL.")
        if self.institution_logo:
            logo = Path(self.institution_logo)
            if logo.suffix.lower() not in LOGO_TYPES:
                raise SettingsError(
                    f"MATURITY_INSTITUTION_LOGO must be an .svg or .png file, not {self.institution_logo!r}"
                )
            if not logo.is_file():
                raise SettingsError(f"MATURITY_INSTITUTION_LOGO: there is no file {self.institution_logo!r}")
        if self.accessibility_statement_url and not self.accessibility_statement_url.startswith(
            ("https://", "http://")
        ):
            raise SettingsError(
                "MATURITY_ACCESSIBILITY_STATEMENT_URL must be an https:// address, "
                f"not {self.accessibility_statement_url!r}"
            )
        feedback = self.accessibility_feedback
        if feedback and (
            feedback.count("@") != 1 or feedback.startswith("@") or feedback.endswith("@") or " " in feedback
        ):
            raise SettingsError(f"MATURITY_ACCESSIBILITY_FEEDBACK must be an e-mail address, not {feedback!r}")
        if self.oidc_issuer and not self.oidc_client_id:
            raise SettingsError("MATURITY_OIDC_CLIENT_ID is needed when MATURITY_OIDC_ISSUER is set.")
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://") and self.mode == "production":
            raise SettingsError(f"MATURITY_OIDC_ISSUER must be an https:// URL, not {self.oidc_issuer!r}")
        if "openid" not in self.oidc_scopes.split():
            raise SettingsError(f"MATURITY_OIDC_SCOPES must include openid, not {self.oidc_scopes!r}")
        try:
            _ = self.affiliation_groups
        except ValueError:
            raise SettingsError(
                "MATURITY_OIDC_AFFILIATION_GROUPS must be affiliation=group pairs separated by commas, "
                f"not {self.oidc_affiliation_groups!r}"
            ) from None
        if self.mode == "production" and self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
            raise SettingsError("MATURITY_DATABASE_URL: an in-memory SQLite database cannot serve production.")

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def affiliation_groups(self) -> dict[str, str]:
        """The affiliation → respondent group code pairs of ``oidc_affiliation_groups``."""
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in self.oidc_affiliation_groups.split(","))):
            affiliation, equals, group = item.partition("=")
            if not equals or not affiliation.strip() or not group.strip():
                raise ValueError(item)
            pairs[affiliation.strip().lower()] = group.strip()
        return pairs

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclasses.replace is untyped on kwargs

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, spec in cls.__dataclass_fields__.items():
            key = f"MATURITY_{name.upper()}"
            if key not in env:
                continue
            raw = env[key].strip()
            values[name] = _parse(key, raw, spec.type)
        values.update(overrides)
        mode = values.get("mode", "production")
        if "secure_cookies" not in values and mode in ("development", "demo", "test"):
            values["secure_cookies"] = False  # local http; production keeps the safe default
        return cls(**values)  # type: ignore[arg-type]  # values were parsed per field type above


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for every PostgreSQL URL, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _parse(key: str, raw: str, typ: object) -> object:
    if typ in (bool, "bool"):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{key} must be true or false, not {raw!r}")
    if typ in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{key} must be a whole number, not {raw!r}") from None
    if typ in (Path, "Path"):
        return Path(raw)
    if key == "MATURITY_DATABASE_URL":
        if not raw.startswith(("sqlite", "postgres")):
            raise SettingsError(f"{key} must be a sqlite:/// or postgresql:// URL, not {raw!r}")
        return normalise_database_url(raw)
    return raw
