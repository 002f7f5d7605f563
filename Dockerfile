FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
RUN DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput
RUN useradd --create-home pursuit
USER pursuit
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "config.gunicorn_logging.RedactingLogger"]
