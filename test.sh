#!/usr/bin/env bash
# The one test command of the README: the .NET suites (dotnet test), then the TypeScript client's suites (Node's
# test runner, against real key server processes built by the first step). Extra arguments go to dotnet test.
# Exits non-zero when any suite failed; every suite runs either way.
set -uo pipefail
cd "$(dirname "$0")"

status=0
dotnet test "$@" || status=$?

# The TypeScript client: its dependencies pinned by package-lock.json, then its tests (they start the key server
# that dotnet test has built).
(cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm test) || status=$?

exit "$status"
