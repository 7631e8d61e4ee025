# syntax=docker/dockerfile:1
# Production image: gunicorn serves the web app; the same image runs the Celery worker and beat
# (see docker-compose.yml). Dependencies come from the committed uv.lock, nothing else.

ARG PYTHON_IMAGE=python:3.12-slim

# --- build: resolve nothing, install exactly what uv.lock says into /opt/venv -----------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv

RUN pip install "uv==0.13.9"

WORKDIR /app
# Only the dependency manifests first, so code changes do not reinstall the dependencies.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --python /usr/local/bin/python3


# --- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    DJANGO_SETTINGS_MODULE=advocacy.settings.production \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code stays owned by root: the app user can read it but not change it.
COPY . .

# Static files are collected (hashed and compressed for whitenoise) at build time. The production
# settings require SECRET_KEY; this throwaway value exists only for this step and is not kept in
# the image's environment. /app/var is the one writable place (the beat schedule file).
RUN SECRET_KEY=collectstatic-build-only-not-secret python manage.py collectstatic --no-input -v 0 \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app

EXPOSE 8000

# No HEALTHCHECK here: the worker and beat containers use this image too and serve no HTTP;
# docker-compose.yml defines the web service's health check.
# gunicorn reads its worker count from WEB_CONCURRENCY (3 by default, override per host).
CMD ["gunicorn", "advocacy.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--max-requests", "1000", "--max-requests-jitter", "100", \
     "--graceful-timeout", "30"]
