#!/usr/bin/env bash
# The long fuzz run (docs/security.md): AFL++ drives one target of tests/Symbolon.Fuzz for SECONDS through SharpFuzz.
#
#   tests/Symbolon.Fuzz/run-afl.sh TARGET SECONDS [OUT]     (OUT default: artifacts/fuzz under the repository)
#
# Publishes the fuzz program to OUT/bin once per version of the code, instruments the assemblies the parsers live in (SharpFuzz's
# `sharpfuzz` tool, installed into OUT/tools at the version of Directory.Packages.props), starts afl-fuzz on the seed
# corpus testdata/fuzz/TARGET, and prints afl-fuzz's counts when it stops (exit 1 if it saved a crash or hang). Crashes and hangs land in
# OUT/TARGET/findings/default/{crashes,hangs}; replay one with
#   dotnet OUT/bin/Symbolon.Fuzz.dll replay TARGET FILE
# Needs afl-fuzz (Debian: apt-get install afl++); one afl-fuzz uses one core.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:?usage: run-afl.sh TARGET SECONDS [OUT]}"
seconds="${2:?usage: run-afl.sh TARGET SECONDS [OUT]}"
out="$(realpath -m "${3:-$root/artifacts/fuzz}")"

if ! command -v afl-fuzz > /dev/null; then
  echo "run-afl.sh: error: afl-fuzz is not installed" >&2
  echo "run-afl.sh: hint: apt-get install afl++ (Debian), or run the in-process loop: dotnet Symbolon.Fuzz.dll loop $target $seconds" >&2
  exit 2
fi

version=$(sed -n 's/.*Include="SharpFuzz" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
if [ ! -x "$out/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version "$version" --tool-path "$out/tools" > /dev/null
fi

# One instrumented publish per version of the code, shared by the targets: sharpfuzz instruments in place and refuses
# an assembly it has instrumented before, so changed sources (the stamp is the git trees of src/ and the fuzz project,
# plus "-dirty" for uncommitted changes) publish afresh. Coverage comes from our own
# parsers and the token library of the OIDC targets; the shared framework's JSON parser is not instrumented (its
# branches reach AFL++ only through ours).
bin="$out/bin"
commit=$(git -C "$root" rev-parse HEAD:src HEAD:tests/Symbolon.Fuzz | tr '\n' ' ')$(git -C "$root" diff --quiet HEAD -- src tests/Symbolon.Fuzz || echo "-dirty")
if [ "$(cat "$bin/.instrumented" 2> /dev/null)" != "$commit" ]; then
  rm -rf "$bin"
  dotnet publish "$root/tests/Symbolon.Fuzz" -c Release -o "$bin" -m:1 --nologo -v quiet > /dev/null
  for assembly in Symbolon.Crypto.dll Symbolon.Client.dll Symbolon.Protocol.dll Microsoft.IdentityModel.JsonWebTokens.dll Microsoft.IdentityModel.Tokens.dll; do
    "$out/tools/sharpfuzz" "$bin/$assembly" > /dev/null
  done
  echo "$commit" > "$bin/.instrumented"
fi
dotnet "$bin/Symbolon.Fuzz.dll" list | grep -q "^$target " || { echo "run-afl.sh: error: no fuzz target named $target" >&2; dotnet "$bin/Symbolon.Fuzz.dll" list >&2; exit 2; }

findings="$out/$target/findings"
mkdir -p "$findings"
# dotnet itself is not instrumented (AFL_SKIP_BIN_CHECK); the CLR starts slowly, so the first run gets a long timeout
# and every execution 10 s before it counts as a hang. A second run of a target resumes its queue (AFL_AUTORESUME), so
# execs_done adds up over runs.
AFL_AUTORESUME=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=60000 \
  afl-fuzz -i "$root/testdata/fuzz/$target" -o "$findings" -t 10000 -m none -V "$seconds" \
  -- dotnet "$bin/Symbolon.Fuzz.dll" afl "$target" > "$out/$target/afl.log" 2>&1 || {
    echo "run-afl.sh: error: afl-fuzz failed; its log: $out/$target/afl.log" >&2
    tail -20 "$out/$target/afl.log" >&2
    exit 1
  }

stats="$findings/default/fuzzer_stats"
awk -F' *: *' -v target="$target" '
  $1 == "execs_done" { execs = $2 } $1 == "execs_per_sec" { rate = $2 } $1 == "run_time" { time = $2 }
  $1 == "saved_crashes" { crashes = $2 } $1 == "saved_hangs" { hangs = $2 } $1 == "corpus_count" { corpus = $2 }
  $1 == "bitmap_cvg" { coverage = $2 }
  END { printf "%s: %s executions in %s s (%s per second), corpus %s, coverage %s, %s crashes, %s hangs\n", target, execs, time, rate, corpus, coverage, crashes, hangs }' "$stats"
crashes=$(awk -F' *: *' '$1 == "saved_crashes" { print $2 }' "$stats")
hangs=$(awk -F' *: *' '$1 == "saved_hangs" { print $2 }' "$stats")
[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
