"""Django settings for fangfan's web application, read from the environment.

Defaults run with no services: SQLite under FANGFAN_HOME, DEBUG off unless asked.

| variable | meaning | default |
|---|---|---|
| FANGFAN_DEBUG | Django debug mode | false |
| FANGFAN_SECRET_KEY | secret key, at least 50 characters | a random key kept in FANGFAN_HOME/secret_key |
| FANGFAN_ALLOWED_HOSTS | comma-separated host names | 127.0.0.1,localhost |
| DATABASE_URL | database, e.g. postgres://user@host:5432/fangfan | sqlite:///FANGFAN_HOME/fangfan.sqlite3 |
| FANGFAN_HOME | data folder (snapshots, runs, the SQLite file, the generated secret key) | ./var |
| FANGFAN_HTTPS | served over HTTPS: redirects, HSTS, secure cookies | false |
| FANGFAN_TRUSTED_PROXIES | reverse proxies (addresses) whose X-Forwarded-For is believed | none |
| FANGFAN_SITE_URL | the site's public address, printed in policy cards' QR codes | http://127.0.0.1:8000 |
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

import dj_database_url

from fangfan.engine.config import ConfigError, env_bool, env_int, env_list, env_str, home
from fangfan.engine.ingest.guard import ReadLimits

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = home()

DEBUG = env_bool("FANGFAN_DEBUG", False)
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")


def _secret_key() -> str:
    """FANGFAN_SECRET_KEY, else a random key kept (mode 0600) in the data folder."""
    configured = env_str("FANGFAN_SECRET_KEY", "")
    if configured:
        if len(configured) < 50:
            raise ConfigError("FANGFAN_SECRET_KEY 太短：至少 50 个字符")
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(64), "utf-8")
    return key_file.read_text("utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("FANGFAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# The address printed in a policy card's QR code (its verification page): the public one.
SITE_URL = env_str("FANGFAN_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "fangfan.web.regions",
    "fangfan.web.accounts",
    "fangfan.web.registry",
    "fangfan.web.imports",
    "fangfan.web.workqueue",
    "fangfan.web.monitoring",
    "fangfan.web.grievances",
    "fangfan.web.rectification",
    "fangfan.web.campaigns",
    "fangfan.web.assessment",
    "fangfan.web.odk",  # offline visits (ODK / KoboToolbox): records visits through monitoring's verb
    "fangfan.web.evidence",  # 佐证资料: proof files on the household page
    "fangfan.web.cards",  # policy cards (明白卡): reads the registry
    "fangfan.web.teams",  # 驻村工作队: rosters, check-ins, leave, attendance
    "fangfan.web.jobs",  # 公益性岗位: posts, selection, eligibility, appraisal and pay
    "fangfan.web.projects",  # 衔接资金项目: project library, progress, payments, alerts
    "fangfan.web.industry",  # 产业收入: plantings and livestock against the targets
    "fangfan.web.oversight",  # reads rectification, grievances and campaigns
    "fangfan.web.publishing",  # above the apps: a publish calls each one's step
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ (vendored htmx, Chart.js, styles) from the apps under any WSGI server.
    "fangfan.web.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "fangfan.web.accounts.middleware.PermissionsPolicyMiddleware",
    # 405 as the site's Chinese page (inside CSP, so the page gets the policy too).
    "fangfan.web.errors.ErrorPagesMiddleware",
    # Last, so it sees the outcome of the login view (django-axes' requirement).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangfan.web.urls"

# Logs under FANGFAN_HOME/logs (docs/web.md, Logs): errors.log holds every server error
# with its traceback (a 500, a 503 for a busy database); fangfan.log the application's
# warnings. Each file rotates at 10 MB, five kept.
LOG_DIR = DATA_DIR / "logs"
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} [pid {process}]: {message}", "style": "{"},
    },
    "handlers": {
        "errors_file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOG_DIR / "errors.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "encoding": "utf-8",
            "delay": True,
            "level": "ERROR",
            "formatter": "plain",
        },
        "fangfan_file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOG_DIR / "fangfan.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "encoding": "utf-8",
            "delay": True,
            "level": "INFO",
            "formatter": "plain",
        },
    },
    "loggers": {
        "django": {"handlers": ["errors_file"], "level": "INFO"},
        "fangfan": {"handlers": ["errors_file", "fangfan_file"], "level": "INFO"},
    },
}
WSGI_APPLICATION = "fangfan.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide templates only (base.html, error pages); each app's pages are its own,
        # in <app>/templates/<app>/ (APP_DIRS).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fangfan.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An office's concurrency on one file (docs/web.md, Working at the same time): readers
    # never wait for the writer (WAL); a writer takes the lock when its transaction begins
    # (IMMEDIATE), so it queues for up to `timeout` seconds instead of failing with
    # "database is locked" halfway; synchronous=NORMAL is WAL's safe, fast setting.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 15,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # SQLite builds jobs' covering index (jobs_payment_month_idx) without its INCLUDE columns: the
    # same answers, the index just does not cover. `check --deploy --database default` stays clean.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and IP before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Then counts the try before the password is checked, atomically: the lock holds
    # exactly under simultaneous tries (fangfan.web.accounts.throttle).
    "fangfan.web.accounts.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Permissions that come with a role (city and county offices may unmask personal data).
    "fangfan.web.accounts.backends.RolePermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): 5 failures for one username from one IP lock that
# pair out for 15 minutes; a success before then resets the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy: the proxies' addresses, so the throttle and the report form's
# limit count the client, not the proxy (fangfan.web.client_ip).
FANGFAN_TRUSTED_PROXIES = env_list("FANGFAN_TRUSTED_PROXIES", [])
AXES_CLIENT_IP_CALLABLE = "fangfan.web.client_ip.address_or_none"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is slow on purpose; tests hash passwords often and guard nothing.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The cache holds short-lived counters shared by every server process on the machine (the
# public report form's per-address limit): files under FANGFAN_HOME/cache, so gunicorn's
# workers count together. Tests keep theirs in memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
        if TESTING
        else "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "fangfan" if TESTING else str(DATA_DIR / "cache"),
    }
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Site-wide files only (the base styles, vendored htmx and Chart.js); each app's scripts and
# styles are in <app>/static/<app>/.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Whitenoise finds the files where they live: no collectstatic step before serving.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Production runs behind HTTPS: FANGFAN_HTTPS=true turns on redirects, HSTS and secure cookies.
HTTPS = env_bool("FANGFAN_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

# Content Security Policy (django-csp): scripts, styles, images and requests from this
# site only; no inline scripts or styles, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Background work (uploads: import → link → screen → publish) goes through django-tasks
# with its database backend; `manage.py db_worker` runs it (`make demo` starts one).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Uploaded export files are kept as they arrived, under FANGFAN_HOME/media; they are
# never served from MEDIA_URL, only through a view behind the access gate.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# The largest export file accepted in the browser (a whole city's members as .xlsx is
# about 200 MB).
FANGFAN_UPLOAD_MAX_BYTES = 300 * 1024 * 1024
# Before a file is parsed (fangfan.engine.ingest.guard; `fangfan import` reads the same
# variables): its unpacked size, its compression ratio (above 64 MB unpacked) and its rows
# per table. The defaults fit a whole city's members file (2.4 M rows).
_READ_LIMITS = ReadLimits.from_environment()
FANGFAN_UPLOAD_MAX_UNPACKED_BYTES = _READ_LIMITS.max_unpacked_bytes
FANGFAN_UPLOAD_MAX_COMPRESSION_RATIO = _READ_LIMITS.max_compression_ratio
FANGFAN_UPLOAD_MAX_ROWS = _READ_LIMITS.max_rows
# A new file much poorer than the one it replaces is held for the city office (docs/web.md,
# Uploads): fewer rows than this percent of the current file's, a share of valid ID numbers
# or of people found in the registry that falls by more than these points, fewer counties.
FANGFAN_UPLOAD_HOLD_ROWS_PERCENT = env_int("FANGFAN_UPLOAD_HOLD_ROWS_PERCENT", 50)
FANGFAN_UPLOAD_HOLD_VALID_ID_DROP = env_int("FANGFAN_UPLOAD_HOLD_VALID_ID_DROP", 10)
FANGFAN_UPLOAD_HOLD_LINKED_DROP = env_int("FANGFAN_UPLOAD_HOLD_LINKED_DROP", 20)
FANGFAN_UPLOAD_HOLD_COUNTIES_LOST = env_int("FANGFAN_UPLOAD_HOLD_COUNTIES_LOST", 0)
# Evidence (佐证资料, docs/evidence.md): the largest proof file accepted, and the most pixels a
# photo may decode to (a phone's 50-megapixel photo passes; a decompression bomb does not).
FANGFAN_EVIDENCE_MAX_BYTES = env_int("FANGFAN_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
FANGFAN_EVIDENCE_MAX_PIXELS = env_int("FANGFAN_EVIDENCE_MAX_PIXELS", 60_000_000)
# Policy cards (docs/cards.md): a village of at most this many households prints while the
# request waits; a larger village or any township goes to the background worker, and its
# finished PDF is kept this many hours for download, then removed.
FANGFAN_CARDS_INLINE_HOUSEHOLDS = env_int("FANGFAN_CARDS_INLINE_HOUSEHOLDS", 300)
FANGFAN_CARDS_KEEP_HOURS = env_int("FANGFAN_CARDS_KEEP_HOURS", 72)
# ODK submissions (docs/odk.md): an export of more rows than this is imported by the worker.
FANGFAN_ODK_INLINE_ROWS = env_int("FANGFAN_ODK_INLINE_ROWS", 300)
