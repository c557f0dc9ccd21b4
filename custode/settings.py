"""Django settings, all read from CUSTODE_* environment variables (see README, "Settings")."""

from __future__ import annotations

import os
from pathlib import Path

from custode.lib import env
from custode.notify.timeouts import smtp_timeouts_from_env
from custode.tickets.imap import settings_from_env as mail_settings_from_env
from custode.tickets.uploads import limits_from_env as upload_limits_from_env

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CUSTODE_DATA_DIR", "data")).resolve()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.env_bool("CUSTODE_DEBUG")
BASE_URL = env.base_url(os.environ.get("CUSTODE_BASE_URL", ""))
LISTEN = env.listen(os.environ.get("CUSTODE_LISTEN", "127.0.0.1:8000"))
SMTP_URL = os.environ.get("CUSTODE_SMTP_URL", "")
# How long e-mail waits at each SMTP step: CUSTODE_SMTP_CONNECT_TIMEOUT (10s), CUSTODE_SMTP_DATA_TIMEOUT (10m).
SMTP_TIMEOUTS = smtp_timeouts_from_env()
MAIL_FROM = os.environ.get("CUSTODE_MAIL_FROM", "")
# The desk's mailbox (CUSTODE_IMAP_URL), how often it is read (CUSTODE_IMAP_EVERY) and the largest attachment
# kept (CUSTODE_MAIL_MAX_ATTACHMENT): custode.tickets.imap.
_MAIL = mail_settings_from_env()
IMAP_URL, IMAP_EVERY, MAIL_MAX_ATTACHMENT = _MAIL.url, _MAIL.every, _MAIL.max_attachment
# The files a contact may attach to a message in the portal: each at most CUSTODE_PORTAL_MAX_ATTACHMENT (10MB),
# at most CUSTODE_PORTAL_MAX_FILES (5) a message. Kept in the database, as e-mails' attachments are.
PORTAL_MAX_ATTACHMENT, PORTAL_MAX_FILES = upload_limits_from_env()
WEBHOOK_SECRET = env.env_secret("CUSTODE_WEBHOOK_SECRET") or ""
METRICS_TOKEN = env.env_secret("CUSTODE_METRICS_TOKEN") or ""  # empty: /metrics is open
SUBSCRIBER_WEBHOOKS = env.choice("CUSTODE_SUBSCRIBER_WEBHOOKS", os.environ.get("CUSTODE_SUBSCRIBER_WEBHOOKS", "public"),
                                 ("public", "any", "off"))

ALLOWED_HOSTS = env.allowed_hosts(BASE_URL, LISTEN[0])
if BASE_URL:
    CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # its own Swagger UI files for /api/v1/docs, instead of a CDN
    "custode.directory",
    "custode.assets",
    "custode.monitors",
    "custode.backups",
    "custode.agents",
    "custode.maintenance",
    "custode.config",
    "custode.accounts",
    "custode.api",
    "custode.web",
    "custode.results",
    "custode.engine",
    "custode.probes",
    "custode.incidents",
    "custode.tickets",
    "custode.notify",
    "custode.subscriptions",
    "custode.status",
    "custode.portal",
    "custode.reports",
    "custode.server",
]

MIDDLEWARE = [
    "custode.lib.nul_guard.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "custode.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "custode.urls"
ASGI_APPLICATION = "custode.asgi.application"
WSGI_APPLICATION = "custode.wsgi.application"

# A provider's own templates (e.g. messages/it/customer_opened.txt) are found before the built-in ones.
TEMPLATES_DIR = Path(os.environ.get("CUSTODE_TEMPLATES_DIR") or DATA_DIR / "templates").resolve()
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [TEMPLATES_DIR],
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

DATABASES = {"default": env.database(os.environ.get("CUSTODE_DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# A refused form is told in the reader's language on the customer portal (Django's own page elsewhere).
CSRF_FAILURE_VIEW = "custode.portal.views.csrf_failure"

# Every text a customer or a technician reads exists in these three languages.
LANGUAGE_CODE = "en"
LANGUAGES = [("it", "Italiano"), ("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Served from the apps' folders by WhiteNoise: no collectstatic step on a fresh machine.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CUSTODE_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates each step of every PDF at INFO: seven lines a monthly report, none of them news.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
