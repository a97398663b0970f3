#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for the tests.
#
# Sourced (`source tools/test-postgres.sh`) it only defines two functions and changes no shell option:
#   start_test_postgres  installs Debian's `postgresql` package when no /usr/lib/postgresql/*/bin/initdb exists, makes
#                        a new cluster under ${TMPDIR:-/tmp} with the newest installed version, starts it on a free port
#                        of 127.0.0.1 (trust auth, fsync off; TALKTOME_PG_DURABLE=1: fsync, synchronous_commit and
#                        full_page_writes on, as a production server runs, for benchmarks) and exports
#                          TALKTOME_TEST_POSTGRES       Npgsql: Host=127.0.0.1;Port=N;Username=postgres;Database=postgres
#                          TALKTOME_TEST_POSTGRES_PSQL  libpq:  host=127.0.0.1 port=N user=postgres dbname=postgres
#   stop_test_postgres   stops that server and deletes its folders; safe to call twice, or without a start.
# Debian's own cluster (`main`, port 5432) and its service are never started, stopped or touched.
# As root the cluster belongs to the `postgres` system user (initdb and postgres refuse to run as root).
#
# Run directly:  tools/test-postgres.sh run -- COMMAND [ARGS...]
#   starts the server, runs COMMAND with the variables above, stops the server (also on error or Ctrl-C) and exits
#   with COMMAND's status.

# State of the running server (empty when none).
_ttm_pg_base=""      # folder holding data/, the server log and (usually) the socket folder
_ttm_pg_sock=""      # socket folder when it had to live in /tmp (long path or blanks in $_ttm_pg_base), else empty
_ttm_pg_bin=""       # /usr/lib/postgresql/<ver>/bin
_ttm_pg_runas=""     # "postgres" when we are root, else empty (run as ourselves)
_ttm_pg_apt_updated=""

_ttm_pg_err() { printf 'test-postgres: %s\n' "$*" >&2; }

# Runs a command as the cluster's owner, from a folder it can read.
_ttm_pg_as() {
  if [ -n "$_ttm_pg_runas" ]; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u "$_ttm_pg_runas" -- "$@")
    else
      (cd / && su -s /bin/sh "$_ttm_pg_runas" -c "$(printf '%q ' "$@")")
    fi
  else
    "$@"
  fi
}

_ttm_pg_install() {
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      _ttm_pg_err "PostgreSQL is not installed and sudo is missing: install Debian's postgresql package."
      return 1
    fi
    sudo_cmd="sudo"
  fi
  echo "== Installing Debian's postgresql for the PostgreSQL tests"
  if [ -z "$_ttm_pg_apt_updated" ]; then
    $sudo_cmd apt-get update -qq || { _ttm_pg_err "apt-get update failed"; return 1; }
    _ttm_pg_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null ||
    { _ttm_pg_err "apt-get install postgresql failed"; return 1; }
}

# Newest /usr/lib/postgresql/<ver>/bin holding initdb, pg_ctl and postgres.
_ttm_pg_find_bin() {
  local d best="" best_ver=-1 ver
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] || continue
    ver=${d#/usr/lib/postgresql/}; ver=${ver%/bin}; ver=${ver%%.*}
    case "$ver" in ''|*[!0-9]*) continue ;; esac
    if [ "$ver" -gt "$best_ver" ]; then best_ver=$ver; best=$d; fi
  done
  [ -n "$best" ] && printf '%s\n' "$best"
}

# Prints a TCP port that nobody listens on at 127.0.0.1 (54300-54999; python3's pick when that range is full).
# A lost race is handled by start_test_postgres, which retries on "address already in use".
_ttm_pg_free_port() {
  local i p have_ss=""
  command -v ss >/dev/null 2>&1 && have_ss=1
  for i in $(seq 1 300); do
    p=$((54300 + RANDOM % 700))
    if [ -n "$have_ss" ] && ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then continue; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    printf '%s\n' "$p"
    return 0
  done
  if command -v python3 >/dev/null 2>&1; then
    p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) || p=""
    case "$p" in ''|*[!0-9]*) ;; *) printf '%s\n' "$p"; return 0 ;; esac
  fi
  return 1
}

# True while process $1 runs (a zombie waiting for its reaper counts as gone).
_ttm_pg_alive() {
  local state=""
  [ -r "/proc/$1/stat" ] || { kill -0 "$1" 2>/dev/null; return; }
  state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

_ttm_pg_log_tail() {
  local log="$1"
  if [ -n "$log" ] && [ -f "$log" ]; then
    echo "---- last lines of $log ----" >&2
    tail -n 40 "$log" >&2
    echo "----" >&2
  fi
}

start_test_postgres() {
  if [ -n "$_ttm_pg_base" ] && [ -d "$_ttm_pg_base" ]; then
    echo "== Private PostgreSQL already running: $TALKTOME_TEST_POSTGRES"
    return 0
  fi

  # 1. Binaries (install Debian's package when none).
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    _ttm_pg_install || return 1
  fi
  # 2. The newest version, used directly (not the /usr/bin wrappers).
  _ttm_pg_bin=$(_ttm_pg_find_bin) || _ttm_pg_bin=""
  if [ -z "$_ttm_pg_bin" ]; then
    _ttm_pg_err "no /usr/lib/postgresql/<version>/bin with initdb, pg_ctl and postgres"
    return 1
  fi

  # 3. Private folders; as root they belong to the postgres system user.
  _ttm_pg_runas=""
  local parent="${TMPDIR:-/tmp}"
  [ -d "$parent" ] || parent=/tmp
  if [ "$(id -u)" -eq 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
      _ttm_pg_err "running as root but there is no 'postgres' system user to own the cluster"
      return 1
    fi
    _ttm_pg_runas=postgres
    # The postgres user must be able to reach the folder.
    _ttm_pg_as test -x "$parent" 2>/dev/null || parent=/tmp
  fi
  local base
  base=$(mktemp -d -p "$parent" talktome-pg.XXXXXX) || { _ttm_pg_err "mktemp -d failed in $parent"; return 1; }
  base=$(cd "$base" && pwd -P) || return 1
  _ttm_pg_base=$base
  _ttm_pg_sock=""
  local data="$base/data" log="$base/server.log" sock="$base/sock"
  # A Unix socket path is limited to ~107 bytes, and the folder goes through pg_ctl's -o string unquoted: move it to
  # /tmp when $base is too long or holds blanks or quotes.
  if [ $(( ${#sock} + 20 )) -gt 100 ] || [[ "$sock" == *[[:space:]\'\"\\]* ]]; then
    sock=$(mktemp -d -p /tmp ttm-pgsock.XXXXXX) || { _ttm_pg_err "mktemp -d failed in /tmp"; stop_test_postgres; return 1; }
    _ttm_pg_sock=$sock
  else
    mkdir "$sock" || { stop_test_postgres; return 1; }
  fi
  mkdir "$data" && chmod 700 "$data" || { stop_test_postgres; return 1; }
  if [ -n "$_ttm_pg_runas" ]; then
    chown -R "$_ttm_pg_runas": "$base" ${_ttm_pg_sock:+"$_ttm_pg_sock"} || { stop_test_postgres; return 1; }
  fi

  # 4. The cluster.
  local initlog="$base/initdb.log"
  if ! _ttm_pg_as "$_ttm_pg_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$initlog" 2>&1; then
    # No C.UTF-8 locale here: retry with plain C in an empty data folder.
    _ttm_pg_as find "$data" -mindepth 1 -delete >/dev/null 2>&1 || true
    if ! _ttm_pg_as "$_ttm_pg_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
        >>"$initlog" 2>&1; then
      _ttm_pg_err "initdb failed"
      _ttm_pg_log_tail "$initlog"
      stop_test_postgres
      return 1
    fi
  fi

  # 5. Start on a free port (retrying if another process takes the port first).
  local port="" attempt started=""
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" durable_note=""
  if [ "${TALKTOME_PG_DURABLE:-}" = "1" ]; then
    durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
    durable_note=" (durable: fsync, synchronous_commit and full_page_writes on)"
  fi
  for attempt in 1 2 3 4 5; do
    port=$(_ttm_pg_free_port) || port=""
    if [ -z "$port" ]; then _ttm_pg_err "found no free TCP port on 127.0.0.1"; break; fi
    rm -f "$log"
    if _ttm_pg_as "$_ttm_pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $sock $durability -c max_connections=300 -c shared_buffers=128MB" \
        >/dev/null 2>"$base/pg_ctl.err"; then
      started=1; break
    fi
    # Only a lost race for the port is worth another try.
    grep -qi 'address already in use' "$log" 2>/dev/null || break
    # Make sure nothing of this attempt lingers before the next one.
    _ttm_pg_as "$_ttm_pg_bin/pg_ctl" -D "$data" -s -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  done
  if [ -z "$started" ]; then
    _ttm_pg_err "could not start PostgreSQL from $_ttm_pg_bin"
    [ -s "$base/pg_ctl.err" ] && cat "$base/pg_ctl.err" >&2
    _ttm_pg_log_tail "$log"
    stop_test_postgres
    return 1
  fi

  # 6. Tell the tests where it is.
  export TALKTOME_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  export TALKTOME_TEST_POSTGRES_PSQL="host=127.0.0.1 port=$port user=postgres dbname=postgres"
  local version
  version=$("$_ttm_pg_bin/postgres" -V 2>/dev/null | awk '{print $3}') || version=""
  [ -n "$version" ] || { version=${_ttm_pg_bin#/usr/lib/postgresql/}; version=${version%/bin}; }
  echo "== Private PostgreSQL $version on 127.0.0.1:$port$durable_note"
}

stop_test_postgres() {
  local base="$_ttm_pg_base" sock="$_ttm_pg_sock"
  if [ -n "$base" ] && [ -d "$base/data" ]; then
    local data="$base/data" pid=""
    if [ -f "$data/postmaster.pid" ]; then
      pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || pid=""
      case "$pid" in ''|*[!0-9]*) pid="" ;; esac
      if ! _ttm_pg_as "$_ttm_pg_bin/pg_ctl" -D "$data" -s -m fast -w -t 60 stop >/dev/null 2>&1; then
        _ttm_pg_as "$_ttm_pg_bin/pg_ctl" -D "$data" -s -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        # Last resort, never leave a server behind: kill the postmaster if it is still ours.
        if [ -n "$pid" ] && _ttm_pg_alive "$pid" &&
            tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$data"; then
          pkill -KILL -P "$pid" 2>/dev/null || true   # its backends and workers
          kill -KILL "$pid" 2>/dev/null || true
          local i
          for i in $(seq 1 50); do _ttm_pg_alive "$pid" || break; sleep 0.1; done
        fi
      fi
    fi
  fi
  [ -n "$base" ] && rm -rf "$base"
  [ -n "$sock" ] && rm -rf "$sock"
  _ttm_pg_base=""
  _ttm_pg_sock=""
  unset TALKTOME_TEST_POSTGRES TALKTOME_TEST_POSTGRES_PSQL
  return 0
}

# Executed rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _ttm_pg_usage() {
    cat <<EOF
Usage: $0 run -- COMMAND [ARGS...]
Starts a private PostgreSQL on 127.0.0.1, runs COMMAND with
  TALKTOME_TEST_POSTGRES       (Npgsql connection string) and
  TALKTOME_TEST_POSTGRES_PSQL  (libpq connection string, e.g. for psql)
set, stops the server and exits with COMMAND's status.
Or source it and call start_test_postgres / stop_test_postgres.
EOF
  }
  if [ "${1:-}" != "run" ]; then _ttm_pg_usage; [ $# -eq 0 ]; exit $?; fi
  shift
  [ "${1:-}" = "--" ] && shift
  if [ $# -eq 0 ]; then _ttm_pg_usage >&2; exit 2; fi
  trap stop_test_postgres EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  start_test_postgres || exit 1
  "$@"
  exit $?
fi
