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
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

import dj_database_url

from fangfan.engine.config import ConfigError, env_bool, env_list, env_str, home

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
    # Last, so it sees the outcome of the login view (django-axes' requirement).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangfan.web.urls"
WSGI_APPLICATION = "fangfan.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and IP before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
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
