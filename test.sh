#!/usr/bin/env bash
# The one test command of the README: the .NET suites (dotnet test), and beside them the TypeScript client's suites
# then the web app's browser suites (Node's test runner; real key server processes from this build; Debian's
# Chromium). The .NET suites spend much of their time waiting on the processes they start, so the Node suites run
# alongside; each suite's output is printed whole when all have ended. Extra arguments go to dotnet test.
# Exits non-zero when any suite failed; every suite runs either way.
set -uo pipefail
cd "$(dirname "$0")"

# One build first (the Node suites start the key server it produces), unless the caller built already (--no-build).
arguments=()
built=false
for argument in "$@"; do
  if [ "$argument" = "--no-build" ]; then built=true; else arguments+=("$argument"); fi
done
if [ "$built" = false ]; then
  dotnet build -warnaserror || exit 1
fi

output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT

dotnet test --no-build "${arguments[@]}" > "$output/dotnet" 2>&1 &
dotnet_pid=$!

node_status=0
{
  # The TypeScript client: its dependencies pinned by package-lock.json, then its tests.
  (cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm test) > "$output/typescript" 2>&1 || node_status=1
  # The reference web app in Debian's Chromium (/usr/bin/chromium), against real key server processes.
  (cd clients/web && npm ci --no-audit --no-fund --loglevel=error && npm run build && npm test) > "$output/web" 2>&1 || node_status=1
}

status=0
wait "$dotnet_pid" || status=$?
cat "$output/dotnet" "$output/typescript" "$output/web"
[ "$node_status" -eq 0 ] || status=1
exit "$status"
