"""Licheng settings shared by every deployment.

Values come from environment variables through the helpers in ``config.settings.env``; the
defaults give the embedded set-up of ``make run`` (SQLite, local files, one worker).
"""

from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("LICHENG_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("LICHENG_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("LICHENG_DEBUG", False)
ALLOWED_HOSTS = env_list("LICHENG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from our static files (CSP: no CDN)
    "accounts",
    "schools",
    "portfolios",
    "guardians",
    "audit",
    "central",
    "files",
    "submissions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# LICHENG_DB=sqlite (default, embedded) or postgresql (PG* variables as libpq reads them).
DB_ENGINE = env_str("LICHENG_DB", "sqlite")
if DB_ENGINE == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("PGDATABASE", "licheng"),
            "USER": env_str("PGUSER", "licheng"),
            "PASSWORD": env_str("PGPASSWORD", ""),
            "HOST": env_str("PGHOST", "127.0.0.1"),
            "PORT": env_str("PGPORT", "5432"),
            "CONN_MAX_AGE": env_int("LICHENG_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    # The embedded database lives in var/ (created here so a fresh clone's manage.py works).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("LICHENG_SQLITE_PATH", str(VAR_DIR / "licheng.sqlite3")),
            "OPTIONS": {
                # WAL lets the worker and the web server read while the other writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.LichengAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Login throttling (allauth's rate limits, kept in the cache): failed logins per IP and per
# username, then a lock-out message until the window passes.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "change_password": "5/m/user",
    "reset_password": "20/m/ip,5/m/key",
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_COOKIE_SECURE = env_bool("LICHENG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("LICHENG_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Portfolio files, content-addressed (files app). See files/storage.py.
    "blobs": {
        "BACKEND": "files.storage.DurableFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "blobs")},
    },
    # The central database's own file store (central app): a school-side loss never touches it.
    "central_blobs": {
        "BACKEND": "files.storage.DurableFileSystemStorage",
        "OPTIONS": {"location": env_str("LICHENG_CENTRAL_ROOT", str(MEDIA_ROOT / "central"))},
    },
}
# Optional second copy written before an upload is acknowledged (RELIABILITY.md D2).
if env_str("LICHENG_REPLICA_ROOT", ""):
    STORAGES["blobs_replica"] = {
        "BACKEND": "files.storage.DurableFileSystemStorage",
        "OPTIONS": {"location": env_str("LICHENG_REPLICA_ROOT", "")},
    }
# Blobs in an S3-compatible object store instead of local disk (files/s3.py, docs/files.md).
if env_str("LICHENG_BLOB_STORAGE", "local") == "s3":
    STORAGES["blobs"] = {
        "BACKEND": "files.s3.ContentAddressedS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("LICHENG_S3_BUCKET", "licheng-blobs"),
            "endpoint_url": env_str("LICHENG_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("LICHENG_S3_REGION", "us-east-1"),
            "access_key": env_str("LICHENG_S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("LICHENG_S3_SECRET_KEY", "") or None,
            "addressing_style": env_str("LICHENG_S3_ADDRESSING_STYLE", "path"),
            "location": env_str("LICHENG_S3_PREFIX", "blobs"),
        },
    }
# Absolute per-file ceiling of the upload handler, bytes (the largest RULES.md §10 limit).
LICHENG_MAX_UPLOAD_BYTES = env_int("LICHENG_MAX_UPLOAD_BYTES", 10_000_000)
# Uploads always stream to a temporary file, hashed on the way (never read whole into memory).
FILE_UPLOAD_HANDLERS = ["files.upload_handlers.HashingTemporaryFileUploadHandler"]
# A dedicated folder (not /tmp): a killed worker can leave a spooled upload behind, and
# ``sweep_blobs`` removes stale ones (they hold student data).
FILE_UPLOAD_TEMP_DIR = env_str("LICHENG_UPLOAD_TEMP_DIR", str(VAR_DIR / "uploads"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FILES = 4
WHITENOISE_USE_FINDERS = DEBUG

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Background tasks, cache, mail ----------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("LICHENG_REDIS_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("LICHENG_REDIS_URL", ""),
        }
    }
MAILERS = {
    "default": {
        "BACKEND": env_str("LICHENG_EMAIL_BACKEND", "accounts.mail.ReadableConsoleEmailBackend")
    }
}
DEFAULT_FROM_EMAIL = env_str("LICHENG_FROM_EMAIL", "licheng@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LICHENG_LOG_LEVEL", "WARNING")},
}

# --- Central database exchange (submissions → central, RULES.md §5) ---------------------------
# Where the school delivers packages, and its credentials. In the demo the same server plays
# the central database (central app); set these to the real endpoint in production.
LICHENG_CENTRAL_URL = env_str("LICHENG_CENTRAL_URL", "http://127.0.0.1:8000/api/central/v1")
LICHENG_CENTRAL_TOKEN = env_str("LICHENG_CENTRAL_TOKEN", "demo-central-token")
LICHENG_CENTRAL_TIMEOUT = env_int("LICHENG_CENTRAL_TIMEOUT", 60)
# "http" (urllib to LICHENG_CENTRAL_URL) or "inprocess" (django.test.Client, tests only).
LICHENG_CENTRAL_TRANSPORT = env_str("LICHENG_CENTRAL_TRANSPORT", "http")
# Central side: the largest package body it accepts (bytes).
LICHENG_CENTRAL_MAX_PACKAGE_BYTES = env_int("LICHENG_CENTRAL_MAX_PACKAGE_BYTES", 20 * 1024**3)

# --- Licheng --------------------------------------------------------------------------------
LICHENG_SITE_NAME = _("歷程 Licheng 學習歷程檔案平臺")

# --- Text messages (guardians.sms) ----------------------------------------------------------
# guardians.sms.ConsoleBackend (make run), FileBackend, LocmemBackend (tests) or
# HttpGatewayBackend (production: POSTs JSON to LICHENG_SMS_URL with Basic or Bearer auth).
LICHENG_SMS = {
    "BACKEND": env_str("LICHENG_SMS_BACKEND", "guardians.sms.ConsoleBackend"),
    "OPTIONS": {
        "url": env_str("LICHENG_SMS_URL", ""),
        "username": env_str("LICHENG_SMS_USERNAME", ""),
        "password": env_str("LICHENG_SMS_PASSWORD", ""),
        "token": env_str("LICHENG_SMS_TOKEN", ""),
        "sender": env_str("LICHENG_SMS_SENDER", ""),
        "timeout": env_int("LICHENG_SMS_TIMEOUT", 10),
    },
}
