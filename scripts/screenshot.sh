#!/usr/bin/env bash
# `make screenshot`: one ingest run against a fresh Prefect server on 127.0.0.1, then headless
# Chromium renders its flow-run page (Artifacts tab) above the run-summary artifact it links to,
# into docs/run-summary.png. Installs Debian's `chromium` when missing (apt-get, as root or via sudo).
# Usage: scripts/screenshot.sh [OUT.png]        (default docs/run-summary.png)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
OUT=${1:-docs/run-summary.png}

if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing chromium from Debian's packages (about a minute) ..."
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
API="http://127.0.0.1:$PORT/api"
export PREFECT_HOME="$WORK/prefect" PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_UI_API_URL="$API"
unset PREFECT_API_URL TRADEWIRE_DB
echo "Starting a Prefect server on 127.0.0.1:$PORT ..."
setsid "$BIN/prefect" server start --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
"$BIN/python" -c "from flows.serve import wait_healthy; wait_healthy('$API')" || { cat "$WORK/server.log"; exit 1; }

echo "Running one ingest of the seed releases against it ..."
(cd "$WORK" && PREFECT_API_URL="$API" "$BIN/tradewire" ingest)  # the warehouse: $WORK/data/
read -r RUN_ID ARTIFACT_ID < <("$BIN/python" - "$API" <<'PY'
import sys

import httpx

api = sys.argv[1]
body = {"flows": {"name": {"any_": ["ingest"]}}, "sort": "START_TIME_DESC", "limit": 1}
run = httpx.post(f"{api}/flow_runs/filter", json=body).raise_for_status().json()[0]["id"]
body = {"artifacts": {"flow_run_id": {"any_": [run]}, "key": {"any_": ["tradewire-run-summary"]}}}
print(run, httpx.post(f"{api}/artifacts/filter", json=body).raise_for_status().json()[0]["id"])
PY
)
UI="http://127.0.0.1:$PORT/v2"  # the V2 UI opens the tab named in the URL; V1 shows it under Artifacts
RUN_URL="$UI/runs/flow-run/$RUN_ID?tab=Artifacts"
ARTIFACT_URL="$UI/artifacts/artifact/$ARTIFACT_ID"

CHROMIUM=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1" "--user-data-dir=$WORK/chromium"
    --virtual-time-budget=15000 --hide-scrollbars)
check() {  # URL TEXT...: the rendered page holds every TEXT and is not the UI's error page
    local url=$1
    shift
    "${CHROMIUM[@]}" --window-size=1400,1000 --dump-dom "$url" >"$WORK/page.html" 2>>"$WORK/chromium.log"
    for text in "$@"; do
        if ! grep -qF "$text" "$WORK/page.html" || grep -q "Something went wrong" "$WORK/page.html"; then
            cp "$WORK/page.html" "$OUT.dom.tmp"
            echo "$url did not render '$text' (its DOM: $OUT.dom.tmp)" >&2
            exit 1
        fi
    done
}
echo "Checking the rendered flow-run page and run-summary artifact ..."
check "$RUN_URL" Completed tradewire-run-summary tradewire-source-health tradewire-customs-measures
check "$ARTIFACT_URL" "tradewire ingest: completed" seed-press

# One picture, the two pages stacked. Chromium renders these frames only from an http page.
mkdir -p "$WORK/page"
cat >"$WORK/page/index.html" <<HTML
<!doctype html><html><head><meta charset="utf-8"><title>tradewire run</title></head>
<body style="margin:0;background:#888">
<iframe src="$RUN_URL" style="display:block;border:0;width:1400px;height:860px"></iframe>
<iframe src="$ARTIFACT_URL" style="display:block;border:0;margin-top:6px;width:1400px;height:720px"></iframe>
</body></html>
HTML
PAGE_PORT=$(free_port)
setsid "$BIN/python" -m http.server "$PAGE_PORT" --bind 127.0.0.1 --directory "$WORK/page" >/dev/null 2>&1 &
PIDS+=($!)
"$BIN/python" -c "
import time, httpx
for _ in range(50):
    try:
        httpx.get('http://127.0.0.1:$PAGE_PORT/'); break
    except httpx.HTTPError:
        time.sleep(0.1)"
"${CHROMIUM[@]}" --window-size=1400,1586 "--screenshot=$WORK/shot.png" "http://127.0.0.1:$PAGE_PORT/" \
    >>"$WORK/chromium.log" 2>&1
mkdir -p "$(dirname "$OUT")"
mv "$WORK/shot.png" "$OUT"
echo "Saved $OUT (flow run $RUN_ID)"
