# The site under gunicorn (config/gunicorn.py), for docker-compose.yml; the database is a
# separate service.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
 && DJANGO_SECRET_KEY=build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=postgres://build/build python manage.py collectstatic --no-input
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py import_letters fixtures/letters/ fixtures/real/focused_visits/ fixtures/real/jtai/ ; exec gunicorn -c config/gunicorn.py config.wsgi:application"]
