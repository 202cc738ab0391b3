# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
# uv from PyPI, the same version the Makefile pins
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY migrations ./migrations
COPY alembic.ini ./
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.12-slim AS runtime
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin family_safety
WORKDIR /app
COPY --from=build --chown=family_safety:family_safety /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    FAMILY_SAFETY_DATA_DIR=/app/data \
    FAMILY_SAFETY_ENVIRONMENT=production \
    FAMILY_SAFETY_LOG_JSON=true
RUN mkdir /app/data && chown family_safety:family_safety /app/data
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live')"]
ENTRYPOINT ["family-safety"]
CMD ["serve", "--server", "granian", "--host", "0.0.0.0", "--port", "8000"]
