# One image for web, worker and beat; the command differs per service (see docker-compose.yml).

# Build stage: GNU gettext (msgfmt) compiles the French catalogue. The .mo files are never committed (and
# .dockerignore keeps a local one out), so without this stage a `docker compose` deployment is English only.
FROM python:3.11-slim AS messages
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only-compilemessages python manage.py compilemessages --ignore=var --verbosity=1 \
    && test -s locale/fr/LC_MESSAGES/django.mo

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
COPY --from=messages /app/locale /app/locale
RUN SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 app && mkdir -p /app/var/attachments && chown -R app /app/var
USER app
EXPOSE 8000
# config/gunicorn_conf.py: the access-log format and the logger that redacts private tracking links.
CMD ["gunicorn", "-c", "config/gunicorn_conf.py", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
