#!/usr/bin/env bash
# Runs every TalkToMe test — unit, SQLite integration, component and browser (headless Chromium) — then the Core and
# Web (endpoint, webhook, component) suites again on PostgreSQL, and ends with the count of both passes in xunit's
# format. Installs what it needs first: Debian's Chromium when /usr/bin/chromium is missing, axe-core (npm) for the
# accessibility scans, s3rver (npm) for the S3 media store tests, Debian's postgresql and redis-server, of which it runs
# private servers on free loopback ports (tools/test-postgres.sh, tools/test-redis.sh) and stops them at the end.
#
# Extra arguments go to `dotnet test` in the first pass only (e.g. ./test.sh --filter Inbox); then the PostgreSQL pass
# is left out unless TALKTOME_TEST_PROVIDER=PostgreSql, which runs that one filtered pass on PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")"

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $sudo_cmd apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
  echo "== Installing Debian's chromium for the browser tests"
  apt_install chromium
fi

# axe-core, the npm package the accessibility tests inject into each page (version pinned in its package.json).
if [ ! -f TalkToMe.Tests/Accessibility/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "== Installing Debian's npm for axe-core"
    apt_install npm
  fi
  echo "== Installing axe-core for the accessibility tests"
  npm install --prefix TalkToMe.Tests/Accessibility --no-save --no-package-lock --no-audit --no-fund --loglevel=error
fi

# s3rver, the npm package the S3 media store tests run as a local S3-protocol server (version pinned in its package.json).
if [ ! -f TalkToMe.Tests/S3/node_modules/s3rver/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "== Installing Debian's npm for s3rver"
    apt_install npm
  fi
  echo "== Installing s3rver for the S3 media store tests"
  npm install --prefix TalkToMe.Tests/S3 --no-save --no-package-lock --no-audit --no-fund --loglevel=error
fi

# shellcheck source=tools/test-postgres.sh
source tools/test-postgres.sh
# shellcheck source=tools/test-redis.sh
source tools/test-redis.sh
logs=()
cleanup() { stop_test_redis; stop_test_postgres; rm -f "${logs[@]}"; }
trap cleanup EXIT
start_test_postgres
# Redis for the many-nodes tests (two app nodes on one PostgreSQL database).
start_test_redis

failed=0 passed=0 skipped=0 total=0 status=0 parts=()
# One `dotnet test` run; its xunit count line is added to the totals, and a run that executed nothing is a failure.
run_pass() {
  local label=$1; shift
  local log; log=$(mktemp); logs+=("$log")
  echo "== $label"
  set +e
  "$@" 2>&1 | tee "$log"
  local code=${PIPESTATUS[0]}
  set -e
  local summary; summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1 || true)
  local count; count=$(sed -nE 's/.*Total: *([0-9]+).*/\1/p' <<<"$summary")
  if [ -z "$summary" ] || [ -z "$count" ] || [ "$count" -eq 0 ]; then
    echo "No test ran in the $label: treating this run as a failure." >&2
    exit 1
  fi
  [ "$code" -eq 0 ] || status=$code
  failed=$((failed + $(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$summary")))
  passed=$((passed + $(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")))
  skipped=$((skipped + $(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")))
  total=$((total + count))
  parts+=("$label: $count")
}

# The PostgreSQL pass leaves out what does not depend on the database engine, so the suite stays well under 20 minutes
# on a 2-core machine: CopyDataCommandTests (they copy a SQLite database into PostgreSQL whichever pass runs them), the
# bUnit component tests (markup and UI state over the same Core services the Core tests run on PostgreSQL), the
# localization tests and the webhook fuzzer (10,000 requests refused before anything reaches the database).
if [ "${TALKTOME_TEST_PROVIDER:-}" = "PostgreSql" ]; then
  run_pass "PostgreSQL pass" dotnet test TalkToMe.Tests --nologo "$@"
else
  run_pass "SQLite pass" env -u TALKTOME_TEST_PROVIDER dotnet test TalkToMe.sln --nologo "$@"
  if [ $# -eq 0 ]; then
    run_pass "PostgreSQL pass" env TALKTOME_TEST_PROVIDER=PostgreSql dotnet test TalkToMe.Tests --nologo --no-build \
      --filter "(FullyQualifiedName~TalkToMe.Tests.Core|FullyQualifiedName~TalkToMe.Tests.Web)&FullyQualifiedName!~CopyDataCommandTests&FullyQualifiedName!~TalkToMe.Tests.Web.Components.&FullyQualifiedName!~TalkToMe.Tests.Web.Localization.&FullyQualifiedName!~WebhookFuzzTests"
  fi
fi

[ "$failed" -eq 0 ] && [ "$status" -eq 0 ] && verdict="Passed!" || verdict="Failed!"
[ "$status" -ne 0 ] || [ "$failed" -eq 0 ] || status=1
# The count of every pass together is the last line, in xunit's format.
echo "$verdict  - Failed: $failed, Passed: $passed, Skipped: $skipped, Total: $total ($(IFS=,; echo "${parts[*]}" | sed 's/,/, /g'))"
exit "$status"
