"""Prefect flows and the command line; the first import of `flows` sets Prefect's defaults for tradewire.

Prefect reads its settings from the environment once, when it is imported: these defaults must be in
place before any module here imports prefect. A value set in the environment always wins.
"""

import os

# No telemetry from an offline pipeline (it logs an error when it cannot phone home).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Prefect waits 20 s for its temporary server; a busy 2-core machine has needed more (seen: 20-40 s).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
