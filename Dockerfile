# Generic Connector in a container: a wheel built from this checkout, installed on a
# slim Python base, run as a non-root user; HEALTHCHECK on /readyz.
#
#   docker build -t generic-connector .
#   docker run --rm -p 8765:8765 -p 8766:8766 generic-connector        # the sim
#   docker run ... -v $PWD/gc.toml:/etc/generic-connector/gc.toml generic-connector \
#          gc serve --config /etc/generic-connector/gc.toml             # your deployment
#
# The target "emulator" adds Prosody for the Finesse emulator (compose.yaml uses it).
# tests/ops/test_container_files.py runs the RUN steps of the build and runtime stages
# in fresh virtual environments, so they stay right without a container runtime here.

FROM python:3.12-slim AS build
WORKDIR /src
COPY . .
RUN python -m pip install --no-cache-dir --upgrade build
RUN python -m build --wheel --outdir /wheels .

FROM python:3.12-slim AS runtime
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/gc --create-home gc
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl
# Listen on every interface inside the container (the defaults are loopback only);
# logs as JSON lines for the container's log driver.
ENV GC__WEBSOCKET__HOST=0.0.0.0 \
    GC__TCP__HOST=0.0.0.0 \
    GC__GC__LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
USER gc
WORKDIR /var/lib/gc
EXPOSE 8765 8766
# /readyz: 200 while every backend is IN_SERVICE and every transport listens, else 503
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8765/readyz', timeout=2).status == 200 else 1)"]
CMD ["gc", "serve"]

FROM runtime AS emulator
USER root
RUN apt-get update && apt-get install -y --no-install-recommends prosody && rm -rf /var/lib/apt/lists/*
USER gc
EXPOSE 8082 5222
HEALTHCHECK NONE
CMD ["gc", "emulator", "finesse", "--host", "0.0.0.0", "--rest-port", "8082", "--xmpp-port", "5222"]
