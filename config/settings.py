"""Settings for bizenv; every deployment choice comes from an environment variable."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from bizenv import PLATFORM_APPS

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BIZENV_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("BIZENV_DEBUG", False)
SECRET_KEY = os.environ.get("BIZENV_SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept in the data folder, so sessions survive restarts
    # without anyone having to invent a secret for the demo.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = [h for h in os.environ.get("BIZENV_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("BIZENV_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_q",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    *PLATFORM_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "bizenv.site.middleware.LoginRequiredMiddleware",
    "bizenv.organisations.middleware.PasswordChangeRequiredMiddleware",
    "bizenv.core.middleware.DataVersionMiddleware",
    # axes last, as its documentation asks
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bizenv" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bizenv.site.context_processors.navigation",
            ],
            "builtins": ["bizenv.core.templatetags.core_format"],
        },
    }
]


def _database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise RuntimeError(f"DATABASE_URL 仅支持 PostgreSQL（postgresql://…），收到：{parsed.scheme}")
    options = {}
    host = unquote(parsed.hostname or "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "TEST": {"NAME": os.environ.get("BIZENV_TEST_DATABASE_NAME") or None},
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "bizenv.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while the job worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Django's own validators, with their messages in Chinese (bizenv.site.passwords).
    {"NAME": "bizenv.site.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "bizenv.site.passwords.CommonPasswordValidator"},
    {"NAME": "bizenv.site.passwords.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "site:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "site:login"

# 30 minutes without a request ends the session.
SESSION_COOKIE_AGE = int(os.environ.get("BIZENV_IDLE_TIMEOUT_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("BIZENV_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Lockout: 5 failed attempts lock the account for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "site/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = _env_bool("BIZENV_AXES_ENABLED", True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # ECharts and htmx set element styles at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = os.environ.get("BIZENV_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = Path(os.environ.get("BIZENV_NODE_MODULES", BASE_DIR / "node_modules"))
STATICFILES_DIRS = [BASE_DIR / "bizenv" / "static"] + [
    d
    for d in [
        ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
        ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
        # the API documentation page (/api/v1/docs) loads Swagger UI from here, never from a CDN
        ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),
    ]
    if d[1].is_dir()
]
# Serve straight from the finders: the app ships its own assets and the intranet has no CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

Q_CLUSTER = {
    "name": "bizenv",
    "orm": "default",
    "workers": int(os.environ.get("BIZENV_WORKERS", 1)),
    "timeout": 3600,
    "retry": 4000,
    "catch_up": False,
    "label": "后台任务",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BIZENV_LOG_LEVEL", "WARNING")},
}

# The indicator system whose latest published version drives the pages.
BIZENV_DEFAULT_SYSTEM = os.environ.get("BIZENV_DEFAULT_SYSTEM", "BIZENV-CN")
# A fixed "today" (YYYY-MM-DD) for demos and tests; empty means the real date (bizenv.core.clock).
BIZENV_TODAY = os.environ.get("BIZENV_TODAY", "")
# 问题整治清单: an indicator in warning in at least this many regions of one month is proposed (at least 2).
BIZENV_PROBLEM_MIN_REGIONS = os.environ.get("BIZENV_PROBLEM_MIN_REGIONS", "3")

# Lockout is per account on purpose: intranet users sit behind shared NAT addresses,
# so locking by IP would lock out whole bureaus.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Mail for notifications (站内消息 are always kept in the inbox; mail is sent only when an SMTP host is set).
EMAIL_HOST = os.environ.get("BIZENV_SMTP_HOST", "")
EMAIL_PORT = int(os.environ.get("BIZENV_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("BIZENV_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("BIZENV_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("BIZENV_SMTP_TLS", "false").lower() in ("1", "true", "yes")
DEFAULT_FROM_EMAIL = os.environ.get("BIZENV_MAIL_FROM", "bizenv@localhost")
BIZENV_EMAIL_ENABLED = bool(EMAIL_HOST)
