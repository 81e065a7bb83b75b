# The site under gunicorn (config/gunicorn.py), for docker-compose.yml; the database is a
# separate service.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY pyproject.toml ./
COPY . .
# The redis extra so that REDIS_URL works: several servers share one page cache and one
# set of API rate counters through it (README: "Several web servers behind a load balancer").
RUN pip install --no-cache-dir '.[redis]' \
 && DJANGO_SECRET_KEY=build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=postgres://build/build python manage.py collectstatic --no-input
EXPOSE 8000
# Migrating (and importing the sample) on start suits one server; with several, migrate
# once as a release step and start them with MIGRATE_ON_START=0: Django takes no lock, and
# two servers applying the same migration at once fail.
CMD ["sh", "-c", "if [ \"${MIGRATE_ON_START:-1}\" != 0 ]; then python manage.py migrate --no-input && python manage.py import_letters fixtures/letters/ fixtures/real/focused_visits/ fixtures/real/jtai/ ; fi; exec gunicorn -c config/gunicorn.py config.wsgi:application"]
