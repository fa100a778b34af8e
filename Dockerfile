# One image for web, worker and beat; the command differs per service (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 app && mkdir -p /app/var/attachments && chown -R app /app/var
USER app
EXPOSE 8000
# config/gunicorn_conf.py: the access-log format and the logger that redacts private tracking links.
CMD ["gunicorn", "-c", "config/gunicorn_conf.py", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
