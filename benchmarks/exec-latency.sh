#!/usr/bin/env bash
# Time from invoking `symbolon exec` to the child process starting, with the key server on loopback and a live
# session: the child prints its start time; we subtract the time just before invocation. Runs RUNS times and prints
# the median next to the same measurement for starting the child directly (the floor: fork/exec of sh), and the time
# `symbolon --help` takes to run to its end. The CLI is the Native AOT binary, as released (README, "Install").
#   bash benchmarks/exec-latency.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'kill "$server_pid" 2>/dev/null || true; cat "$work/server.log" >&2; rm -rf "$work"' EXIT

dotnet build -c Release src/Symbolon.Server -v quiet -nologo >/dev/null
dotnet publish -c Release -r linux-x64 src/Symbolon.Cli -o "$work/cli" -v quiet -nologo >/dev/null

SYMBOLON_SERVER_DATA="$work/server" dotnet src/Symbolon.Server/bin/Release/net10.0/Symbolon.Server.dll --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done

export SYMBOLON_HOME="$work/client"
symbolon() { "$work/cli/symbolon" "$@"; }
echo "a long enough password" | symbolon account create --server "http://127.0.0.1:$port" --username bench --password-stdin >/dev/null
echo "a long enough password" | symbolon login --server "http://127.0.0.1:$port" --username bench --password-stdin >/dev/null
echo "vendor-secret" | symbolon add acme --username bot --password-stdin >/dev/null

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%d\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() {
  for _ in $(seq 1 "$runs"); do
    local start child
    start=$(now)
    child=$("$@" sh -c 'date +%s%N')
    echo $(( (child - start) / 1000 ))
  done | median
}
# Invocation to exit, for a command that starts no child.
measure_run() {
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(now)
    "$@" >/dev/null
    end=$(now)
    echo $(( (end - start) / 1000 ))
  done | median
}

# Warm the disk cache and the server before measuring.
symbolon exec --env P=acme.password -- true
direct=$(measure env)
help_us=$(measure_run "$work/cli/symbolon" --help)
exec_us=$(measure "$work/cli/symbolon" exec --env VENDOR_USER=acme.username --env VENDOR_PASS=acme.password --)
ms() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
echo "runs: $runs"
echo "child started directly:                 median $(ms "$direct") ms"
echo "symbolon --help (to exit):              median $(ms "$help_us") ms"
echo "symbolon exec (release + audit + open): median $(ms "$exec_us") ms"

