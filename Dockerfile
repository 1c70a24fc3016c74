# syntax=docker/dockerfile:1
# Build a wheel in one stage, install it into a slim runtime as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY crawler ./crawler
COPY workers ./workers
COPY rules ./rules
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    GOVCRAWL_STORE__URL=sqlite:////var/lib/govcrawl/govcrawl.db \
    GOVCRAWL_HTTP__LISTEN=0.0.0.0:8080
RUN useradd --system --uid 10001 --home-dir /var/lib/govcrawl --create-home govcrawl
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER govcrawl
WORKDIR /var/lib/govcrawl
VOLUME ["/var/lib/govcrawl"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)" || exit 1
ENTRYPOINT ["govcrawl"]
CMD ["run"]
