#!/usr/bin/env bash
# The key server under load on each storage backend, in one sitting with one harness: SQLite, PostgreSQL on one node,
# PostgreSQL on two nodes sharing it (docs/performance.md). Builds the Release server and harness, runs the three back
# to back with the same harness options, keeps each run's JSON and Markdown, and prints one summary table.
#   bash benchmarks/load-backends.sh [--results DIR] [harness options: --seconds N --warmup N --connections N …]
# DIR defaults to a new temporary folder. --backend, --nodes and --out are set per run and cannot be passed.
# Exit code: 0 when every run succeeded with no failed request, 1 otherwise (the table still shows what ran).
set -euo pipefail
cd "$(dirname "$0")/.."

results=""
pass=()
while (($#)); do
  case "$1" in
    --results) results=${2:?--results needs a folder}; shift 2 ;;
    --results=*) results=${1#--results=}; shift ;;
    --backend|--backend=*|--nodes|--nodes=*|--out|--out=*)
      echo "load-backends: error: $1 is set by this script for each run" >&2
      echo "load-backends: hint: pass only the options every run shares (--seconds, --warmup, --connections, …)" >&2
      exit 2 ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done
results=${results:-$(mktemp -d -t symbolon-load-backends-XXXXXX)}
mkdir -p "$results"
results=$(cd "$results" && pwd)

echo "load-backends: building the Release server and harness …" >&2
dotnet build -c Release src/Symbolon.Server -v quiet -nologo >/dev/null
dotnet build -c Release benchmarks/Symbolon.LoadTest -v quiet -nologo >/dev/null
harness=benchmarks/Symbolon.LoadTest/bin/Release/net10.0/Symbolon.LoadTest.dll

# backend nodes: one run each, in this order.
runs=("sqlite 1" "postgres 1" "postgres 2")
summary_args=()
status=0
for run in "${runs[@]}"; do
  read -r backend nodes <<<"$run"
  name="$backend-$nodes"
  echo "load-backends: --- $backend, $nodes node(s) ---" >&2
  rm -f "$results/$name.json"
  code=0
  dotnet "$harness" --backend "$backend" --nodes "$nodes" --out "$results/$name.json" ${pass[@]+"${pass[@]}"} \
    | tee "$results/$name.md" || code=$?
  ((code == 0)) || status=1
  summary_args+=("$backend" "$nodes" "$code" "$results/$name.json")
done

echo
echo "Results in $results"
echo
node -e '
const fs = require("fs");
const rows = [], notes = [], releases = {};
const args = process.argv.slice(1);
const fixed = (x, digits) => typeof x === "number" ? x.toFixed(digits) : String(x);
// Half to even, as the harness'"'"'s own report rounds ("N0"), so the two show the same figures.
const even = x => { const f = Math.floor(x), d = x - f; return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f; };
const rate = x => typeof x === "number" ? even(x).toLocaleString("en-US") : String(x);
for (let i = 0; i < args.length; i += 4) {
  const [backend, nodes, code, path] = args.slice(i, i + 4);
  if (!fs.existsSync(path)) {
    rows.push([backend, nodes, `no result (exit ${code})`, "", "", "", ""]);
    continue;
  }
  const run = JSON.parse(fs.readFileSync(path, "utf8"));
  const phase = name => run.phases.find(p => p.name === name);
  const noop = phase("noop"), release = phase("release");
  const label = run.context.backend === "sqlite" ? "SQLite" : `PostgreSQL ${String(run.context.backendVersion).split(".")[0]}`;
  const errors = run.phases.reduce((sum, p) => sum + p.errorCount, 0);
  const lock = release.writeLockPerRequestMicroseconds;
  rows.push([label, String(run.context.nodes), rate(noop.requestsPerSecond), rate(release.requestsPerSecond),
    fixed(run.ratios.releaseToNoop, 3), fixed(run.ratios.authToNoop, 3), fixed(release.latencyMilliseconds.p99, 2),
    typeof lock === "number" ? fixed(lock, 0) : "–", String(errors)]);
  releases[`${run.context.backend} ${run.context.nodes}`] = release.requestsPerSecond;
  for (const p of run.phases.filter(p => p.firstFailure)) {
    notes.push(`- ${label}, ${run.context.nodes} node(s), ${p.name}: ${p.errorCount} failed; first: ${p.firstFailure}`);
  }
}
console.log("| backend | nodes | noop req/s | release req/s | release/noop | auth-only/noop | release p99 ms | deployment-wide lock µs per release | errors |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
if (releases["postgres 1"] && releases["postgres 2"]) {
  console.log(`\nPostgreSQL release throughput, 2 nodes / 1 node: ${fixed(releases["postgres 2"] / releases["postgres 1"], 2)}`);
}
if (notes.length) console.log("\n" + notes.join("\n"));
' "${summary_args[@]}"
exit "$status"
