# Shared by scripts/run and scripts/test: a Python virtual environment inside the repo (.venv,
# ignored by git) with the local AWS endpoint, and helpers to start it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    python3 -m venv "$VENV"
  fi
  local missing=()
  for pkg in "$@"; do
    # The distribution's name, without extras or a version ("moto[server]", "x==1.0").
    local name="${pkg%%[*}"
    name="${name%%=*}"
    "$VENV/bin/python" -m pip show "$name" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> pip install ${missing[*]}"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-
}

wait_port() {
  local port=$1 what=$2
  for _ in $(seq 1 150); do
    port_open "$port" && return 0
    sleep 0.2
  done
  echo "error: $what did not start on port $port" >&2
  return 1
}

# start_moto PORT LOGFILE: starts the moto server unless one already answers on PORT.
start_moto() {
  local port=$1 log=$2
  if port_open "$port"; then
    echo "==> a local AWS endpoint already answers on $port; using it"
    return 0
  fi
  echo "==> starting moto server on 127.0.0.1:$port (log: $log)"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  wait_port "$port" "moto server"
}
