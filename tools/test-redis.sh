#!/usr/bin/env bash
# A private, throw-away Redis server for the many-nodes tests.
#
# Sourced (`source tools/test-redis.sh`) it defines two functions and changes no shell option:
#   start_test_redis  installs Debian's `redis-server` package when /usr/bin/redis-server is missing (Debian's own
#                     service is then disabled and stopped: the tests never use it), starts a server on a free port of
#                     127.0.0.1 with its own folder, no persistence and no password, and exports
#                       TALKTOME_TEST_REDIS   StackExchange.Redis: 127.0.0.1:N
#   stop_test_redis   stops that server and deletes its folder; safe to call twice, or without a start.
#
# Run directly:  tools/test-redis.sh run -- COMMAND [ARGS...]
#   starts the server, runs COMMAND with TALKTOME_TEST_REDIS set, stops the server and exits with COMMAND's status.

_ttm_redis_base=""
_ttm_redis_pid=""

_ttm_redis_err() { printf 'test-redis: %s\n' "$*" >&2; }

_ttm_redis_install() {
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { _ttm_redis_err "redis-server is not installed and sudo is missing: install Debian's redis-server package."; return 1; }
    sudo_cmd="sudo"
  fi
  echo "== Installing Debian's redis-server for the many-nodes tests"
  $sudo_cmd apt-get update -qq || { _ttm_redis_err "apt-get update failed"; return 1; }
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null ||
    { _ttm_redis_err "apt-get install redis-server failed"; return 1; }
  # The package starts its own service on port 6379 where systemd runs; nothing here uses it.
  if command -v systemctl >/dev/null 2>&1; then $sudo_cmd systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
}

_ttm_redis_free_port() {
  local i p
  for i in $(seq 1 300); do
    p=$((56300 + RANDOM % 700))
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    printf '%s\n' "$p"
    return 0
  done
  return 1
}

start_test_redis() {
  if [ -n "$_ttm_redis_pid" ]; then
    echo "== Private Redis already running: $TALKTOME_TEST_REDIS"
    return 0
  fi
  if [ ! -x /usr/bin/redis-server ]; then
    _ttm_redis_install || return 1
  fi
  _ttm_redis_base=$(mktemp -d -p "${TMPDIR:-/tmp}" talktome-redis.XXXXXX) || { _ttm_redis_err "mktemp -d failed"; return 1; }
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(_ttm_redis_free_port) || { _ttm_redis_err "found no free TCP port on 127.0.0.1"; break; }
    /usr/bin/redis-server --bind 127.0.0.1 --port "$port" --dir "$_ttm_redis_base" --save "" --appendonly no \
      --daemonize yes --pidfile "$_ttm_redis_base/redis.pid" --logfile "$_ttm_redis_base/redis.log" >/dev/null 2>&1 || continue
    local i
    for i in $(seq 1 50); do
      if [ -s "$_ttm_redis_base/redis.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        _ttm_redis_pid=$(cat "$_ttm_redis_base/redis.pid")
        export TALKTOME_TEST_REDIS="127.0.0.1:$port"
        echo "== Private Redis on $TALKTOME_TEST_REDIS"
        return 0
      fi
      sleep 0.1
    done
  done
  _ttm_redis_err "could not start redis-server"
  [ -f "$_ttm_redis_base/redis.log" ] && tail -n 20 "$_ttm_redis_base/redis.log" >&2
  stop_test_redis
  return 1
}

stop_test_redis() {
  if [ -n "$_ttm_redis_pid" ]; then
    kill "$_ttm_redis_pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kill -0 "$_ttm_redis_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$_ttm_redis_pid" 2>/dev/null || true
  fi
  [ -n "$_ttm_redis_base" ] && rm -rf "$_ttm_redis_base"
  _ttm_redis_pid="" _ttm_redis_base=""
  unset TALKTOME_TEST_REDIS
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ "${1:-}" != "run" ] || [ "${2:-}" != "--" ] || [ $# -lt 3 ]; then
    echo "usage: $0 run -- COMMAND [ARGS...]" >&2
    exit 2
  fi
  shift 2
  trap stop_test_redis EXIT
  trap 'exit 130' INT TERM
  start_test_redis || exit 1
  set +e
  "$@"
  exit $?
fi
