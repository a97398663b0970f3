#!/usr/bin/env bash
# Runs every TalkToMe test — unit, SQLite integration, component and browser (headless Chromium) — and ends with
# xunit's count line. Installs what it needs first: Debian's Chromium when /usr/bin/chromium is missing.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  echo "== Installing Debian's chromium for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
dotnet test TalkToMe.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1 || true)
total=$(sed -nE 's/.*Total: *([0-9]+).*/\1/p' <<<"$summary")
if [ -z "$summary" ] || [ -z "$total" ] || [ "$total" -eq 0 ]; then
  echo "No test ran: treating this run as a failure." >&2
  exit 1
fi

# The count is the last line, whatever dotnet printed after it.
echo "$summary"
exit "$status"
