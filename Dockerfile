# The portal under gunicorn. Front-end packages come from the npm registry at build time.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SSA_DATA_DIR=/data
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext nodejs npm \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-open-sans fonts-dejavu-core procps \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY pyproject.toml ./
COPY ssa_portal ssa_portal
COPY customers customers
COPY quotes quotes
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only python manage.py compilemessages --ignore=node_modules -v 0 \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0

# From here on the production settings (docs/SECURITY.md#production-settings): the container
# needs SECRET_KEY, ALLOWED_HOSTS, the https SSA_PUBLIC_BASE_URL and the distributor's identity,
# and `migrate` (which runs the system checks) refuses to start without them.
ENV SSA_ENV=production DEBUG=false

RUN useradd --create-home portal && mkdir -p /data && chown portal /data
USER portal
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py record_signing_certificate && gunicorn -c python:ssa_portal.gunicorn ssa_portal.wsgi --bind 0.0.0.0:8000 --workers 3"]
