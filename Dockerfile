# llm-planner, hosted for a team (README, "Hosting it for a team"):
#   docker build -t llm-planner .
#   docker run -p 8501:8501 -v llm-planner-data:/data llm-planner
# The price tables the team edits, and their history, live on the volume at /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The whole lock, every package pinned with its SHA-256 hashes (pip refuses any other file). This is
# the set the README's first command installs (`pip install -r requirements.txt`, which is
# `-r requirements.lock`), test tools included (pytest, ruff, Playwright's Python package: no
# browser is downloaded), so the container runs on exactly the versions the suite passed on.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# A user of its own to run the app, and the directory the volume is mounted on, owned by it (a new
# named volume takes this ownership). Made before VOLUME: changes after it would be discarded.
RUN useradd --create-home --uid 10001 --user-group planner \
    && mkdir -p /data \
    && chown planner:planner /data

# Only what the app needs, owned by root and read-only to the app. The bundled tables stay at
# /app/pricing; the entrypoint copies them into the volume on first start.
COPY .streamlit/ .streamlit/
COPY app.py ./
COPY planner/ planner/
COPY ui/ ui/
COPY examples/ examples/
COPY pricing/ pricing/
COPY scripts/container-start.sh scripts/container-start.sh

# The app reads and saves the tables in LLM_PLANNER_PRICES (history in .history/, the lock .lock), and the
# saved budgets in LLM_PLANNER_DB: beside the tables on the volume, not among them, so that emptying
# /data/pricing to start over from the image's tables keeps the budgets.
ENV LLM_PLANNER_PRICES=/data/pricing \
    LLM_PLANNER_BUNDLED=/app/pricing \
    LLM_PLANNER_DB=/data/budgets.sqlite
VOLUME ["/data"]

USER planner
EXPOSE 8501

# Streamlit's health endpoint: 200 once the server takes browser connections, 503 before. Slim has
# no curl; urlopen raises (exit 1) on a refused connection or a non-2xx answer. It follows
# STREAMLIT_SERVER_BASE_URL_PATH when the app is served under a sub-path.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; base = os.environ.get('STREAMLIT_SERVER_BASE_URL_PATH', '').strip('/'); urllib.request.urlopen('http://127.0.0.1:8501/' + (base + '/' if base else '') + '_stcore/health', timeout=4)"]

# Seed the volume if it is empty, then run the command.
ENTRYPOINT ["bash", "/app/scripts/container-start.sh"]
# The README's start command, listening on every interface of the container on port 8501, headless.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
