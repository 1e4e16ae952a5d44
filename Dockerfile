# Pulse Curator: one container running `curator run` (SQLite in /data by default).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CURATOR_VENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    CURATOR_DATABASE_URL=sqlite:////data/curator.db \
    CURATOR_SOURCES_FILE=/app/sources.yaml \
    CURATOR_MODEL_DIR=/app/models \
    CURATOR_HTTP_PORT=8787 \
    CURATOR_HTTP_HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY scripts ./scripts
COPY curator ./curator
COPY models ./models
COPY data/training ./data/training
COPY sources.yaml slack-app-manifest.yaml ./

# The same install step as the README quick start and .ci/run (tests/test_docker.py checks it).
RUN PYTHON=python3 bash scripts/install.sh --no-editable \
    && useradd --create-home --uid 10001 curator \
    && mkdir -p /data && chown -R curator:curator /data /app

USER curator
VOLUME ["/data"]
# /healthz and /metrics listen on every interface of the container (CURATOR_HTTP_HOST above) so
# that a published port reaches them; compose publishes it on the host's loopback only.
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CURATOR_HTTP_PORT', '8787'), timeout=4)" || exit 1

CMD ["curator", "run"]
