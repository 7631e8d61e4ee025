"""Production: every secret from the environment, HTTPS everywhere. Passes `check --deploy`."""

import dj_database_url

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_url

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Production never falls back to the SQLite file: the database must be named.
DATABASES["default"] = dj_database_url.parse(  # noqa: F405
    env_url("DATABASE_URL", schemes=("postgres", "postgresql")),
    conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"  # noqa: F405
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_url("CACHE_URL", REDIS_URL, schemes=("redis", "rediss")),  # noqa: F405
    }
}
