#!/usr/bin/env bash
# Runs every TalkToMe test — unit, SQLite integration, component and browser (headless Chromium) — and ends with
# xunit's count line. Installs what it needs first: Debian's Chromium when /usr/bin/chromium is missing, and axe-core
# (npm) for the accessibility scans.
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
