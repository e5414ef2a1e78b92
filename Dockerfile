# citebot in a container: `docker compose up -d` (compose.yaml), or see docs/deploy.md.
#
# Two stages: the first installs citebot and its dependencies into a virtualenv at /opt/citebot,
# the second copies only that virtualenv onto a clean base and runs it as an unprivileged user.
# The base is pinned to a full version; pin its digest too (`FROM python:...@sha256:...`) once
# you have pulled it, so that a rebuild cannot change the interpreter underneath you.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# torch first, from PyTorch's CPU-only wheel index, exactly as `make install` does: a plain
# torch requirement would pull the multi-GB CUDA build. constraints.txt pins everything else.
ARG TORCH_SPEC=torch==2.13.0
# The pip that constraints.txt was resolved with (an older one misreads lxml's html_clean extra).
ARG PIP_SPEC=pip==26.3
ARG TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
ENV PATH=/opt/citebot/bin:$PATH
# TORCH_SPEC is the pin (hadolint cannot see through the variable); TORCH_PIP_ARGS holds
# several words on purpose.
# hadolint ignore=DL3013,SC2086
RUN python -m venv /opt/citebot \
    && pip install --no-cache-dir "$PIP_SPEC" \
    && pip install --no-cache-dir $TORCH_PIP_ARGS "$TORCH_SPEC"
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY index/ index/
COPY insights/ insights/
COPY guilds/ guilds/
COPY bot/ bot/
COPY cli/ cli/
# The Qdrant client too (CITEBOT_STORE=qdrant, docs/scaling.md), as `make install` has it.
RUN pip install --no-cache-dir -c constraints.txt ".[qdrant]" \
    && pip check

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="citebot" \
      org.opencontainers.image.description="A Discord bot that quotes the passage of an article library answering a question" \
      org.opencontainers.image.licenses="MIT"
# A dedicated user with a fixed id, so that a bind-mounted /data can be chowned to it (10001).
RUN useradd --system --no-log-init --uid 10001 --user-group \
        --home-dir /home/citebot --create-home --shell /usr/sbin/nologin citebot \
    && install -d -o citebot -g citebot -m 0750 /data /var/cache/citebot
COPY --from=build /opt/citebot /opt/citebot
# The sample library, for a first test: citebot index build /opt/citebot-samples
COPY --chown=root:root samples/ /opt/citebot-samples/
# Everything the bot keeps lives in /data (one volume): the index, the feedback database and,
# for a plain `docker run`, a /data/.env of settings (the working folder's .env is read).
# The ONNX export of the model is a cache: rebuilt in a few seconds by a new container, so it
# stays out of the volume and an upgrade never reuses an export made by older libraries.
ENV PATH=/opt/citebot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    CITEBOT_INDEX_DIR=/data/index \
    CITEBOT_FEEDBACK_DB=/data/feedback.sqlite3 \
    CITEBOT_CACHE_DIR=/var/cache/citebot
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
# The HTTP endpoint is off by default, so the check is `citebot health`: it reads the settings and
# opens the index's manifest for its model, without loading the model (about 1 s of CPU, hence
# the long interval). It says nothing about the Discord connection. With CITEBOT_METRICS_PORT set,
# /healthz does (200 only when the gateway is connected and an index is open): override the check
# with CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:9100/healthz', timeout=5)"]
# with the port you set, and shorten the interval (docs/deploy.md).
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD ["citebot", "health"]
# SIGTERM (docker stop) lets questions in flight finish and closes the index.
STOPSIGNAL SIGTERM
CMD ["citebot", "run"]
