# The production image: one image runs the web app (gunicorn, the default command), the Celery
# worker and Celery beat; docker-compose.yml shows how. Configuration comes from the environment
# at run time (see smarketing/settings.py); nothing secret is baked in.

# The browser libraries of package.json (SortableJS for the board, Chart.js for the dashboard): npm runs in a stage of its
# own, so neither Node nor npm ends up in the image.
FROM node:20-slim AS js
WORKDIR /js
COPY package.json .npmrc ./
RUN npm install --no-audit --no-fund --omit=dev

FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DATA_DIR=/data

# gettext provides msgfmt, which compiles the translations below.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The app runs as this unprivileged user; the code stays owned by root, so it is read-only to it.
RUN groupadd --system --gid 10001 smarketing \
    && useradd --system --uid 10001 --gid smarketing --create-home --home-dir /home/smarketing \
       --shell /usr/sbin/nologin smarketing

WORKDIR /app

# Production dependencies only, pinned; a layer of its own so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
COPY --from=js /js/node_modules/sortablejs node_modules/sortablejs
COPY --from=js /js/node_modules/chart.js node_modules/chart.js

# Translations: locale/*/LC_MESSAGES/django.po -> .mo, as `make install` does.
RUN set -eu; \
    for po in locale/*/LC_MESSAGES/django.po; do \
        if [ -e "$po" ]; then msgfmt --check -o "${po%.po}.mo" "$po"; fi; \
    done

# Static files into STATIC_ROOT (/app/staticfiles), served by whitenoise. Settings need a secret
# key, hosts and a database URL to load; these placeholders exist for this step only (they are
# not ENV, so the image does not keep them). collectstatic connects to neither database nor broker.
RUN SECRET_KEY=build-only-placeholder-never-used-at-run-time-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput

# DATA_DIR: Celery beat's schedule file lives here (a volume in docker-compose.yml).
RUN mkdir -p /data/import && chown -R smarketing:smarketing /data

USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "--config", "docker/gunicorn_conf.py", "smarketing.wsgi"]
