#!/usr/bin/env bash
# The one test command of the README: the .NET suites (dotnet test), then the TypeScript client's suites and the web
# app's browser suites (Node's test runner; real key server processes built by the first step; Debian's Chromium).
# Extra arguments go to dotnet test.
# Exits non-zero when any suite failed; every suite runs either way.
set -uo pipefail
cd "$(dirname "$0")"

status=0
dotnet test "$@" || status=$?

# The TypeScript client: its dependencies pinned by package-lock.json, then its tests (they start the key server
# that dotnet test has built).
(cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm test) || status=$?

# The reference web app in Debian's Chromium (/usr/bin/chromium), against real key server processes.
(cd clients/web && npm ci --no-audit --no-fund --loglevel=error && npm run build && npm test) || status=$?

exit "$status"
