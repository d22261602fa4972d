using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Symbolon.LoadTest;

/// <summary>
/// Where and how the run happened, printed above the table and kept in the JSON. <paramref name="Backend"/> is the
/// --backend value (sqlite, postgres), <paramref name="BackendVersion"/> the database server's version (null for
/// SQLite), <paramref name="BackendLabel"/> the header's "SQLite" or "PostgreSQL 15, 2 nodes".
/// </summary>
internal sealed record RunContext(
    string Backend,
    string? BackendVersion,
    int Nodes,
    string BackendLabel,
    DateTimeOffset StartedAt,
    string Machine,
    int ProcessorCount,
    string Runtime,
    string ServerCommand,
    string ServerBuiltAt,
    string DataFileSystem,
    int Connections,
    int Accounts,
    int UnitsPerAccount,
    int WarmupSeconds,
    int MeasuredSeconds);

/// <summary>The goal of issue 3: releases at ≥ 50% of the no-op ceiling with p99 ≤ 10 ms at 64 connections, audit durable.</summary>
internal sealed record GoalCheck(double ReleaseToNoop, double ReleaseP99Milliseconds, bool ThroughputMet, bool LatencyMet)
{
    public const double ThroughputTarget = 0.50;
    public const double P99TargetMilliseconds = 10.0;

    public bool Met => ThroughputMet && LatencyMet;
}

/// <summary>Renders the results as a Markdown table (stdout) and as JSON (--out).</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Markdown(RunContext context, SigningRate.Result signing, IReadOnlyList<PhaseResult> phases, double releaseToNoop,
        double authToNoop, GoalCheck goal)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var sqlite = context.Backend == "sqlite";
        text.AppendLine(c, $"**{context.BackendLabel}**: run {context.StartedAt:yyyy-MM-dd HH:mm} UTC on {context.Machine} ({context.ProcessorCount} logical CPUs, shared by {(context.Nodes == 1 ? "server" : "servers")}{(sqlite ? "" : ", database")} and load generator), {context.Runtime}.");
        text.AppendLine(c, $"{context.Connections} connections and workers, {context.Accounts} accounts, {context.UnitsPerAccount} units per account; {context.WarmupSeconds} s warm-up + {context.MeasuredSeconds} s measured per phase; {(sqlite ? "SQLite" : "PostgreSQL")} data on {context.DataFileSystem}{(sqlite ? "" : " (fsync on)")}.");
        text.AppendLine();
        text.AppendLine("| phase | request | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU | database CPU | load-gen CPU | other CPU |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var phase in phases)
        {
            var latency = phase.LatencyMilliseconds;
            text.AppendLine(c, $"| {phase.Name} | `{phase.Request}` | {phase.RequestsPerSecond:N0} | {latency.P50:0.00} | {latency.P90:0.00} | {latency.P99:0.00} | {latency.Max:0.0} | {Errors(phase)} | {phase.ServerCpuCores:0.00} | {phase.DatabaseCpuCores?.ToString("0.00", c) ?? (sqlite ? "in server" : "n/a")} | {phase.ClientCpuCores:0.00} | {phase.OtherCpuCores?.ToString("0.00", c) ?? "n/a"} |");
        }

        text.AppendLine();
        text.AppendLine(c, $"- release / noop: **{releaseToNoop:0.000}** ({releaseToNoop:P1})");
        text.AppendLine(c, $"- auth-only / noop: **{authToNoop:0.000}** ({authToNoop:P1})");
        text.AppendLine(c, $"- one request per {string.Join(", ", phases.Select(p => $"{1000 / p.RequestsPerSecond:0.000} ms ({p.Name})"))} at the measured rates (1 / throughput): the service time if requests run one at a time");
        foreach (var phase in phases.Where(p => p.ServerHistogram is not null))
        {
            text.AppendLine(c, $"- {phase.Name}: the server's own `{phase.ServerHistogram}` (a use from its first read to its durable commit) averaged {phase.ServerHistogramMeanMilliseconds:0.000} ms over the window");
        }

        foreach (var phase in phases.Where(p => p.WriteLockPerRequestMicroseconds is not null))
        {
            var perSet = phase.WriteLockMeanMicroseconds is { } mean ? $"{mean:0} µs per write set that took it" : "no write set took it";
            var batches = phase.WriteBatchMean is { } batch ? $"; {batch:0.0} write sets per SQLite group commit" : "";
            text.AppendLine(c, $"- {phase.Name}: time under the deployment-wide write lock (`symbolon_write_lock_duration_seconds`, all sets of the window ÷ its requests) **{phase.WriteLockPerRequestMicroseconds:0} µs per request**; {perSet}{batches}");
        }

        text.AppendLine(c, $"- client-only DPoP signing (no server running): {signing.ProofsPerSecond:N0} proofs/s on {signing.Threads} threads ({signing.MicrosecondsPerProof:0.0} µs of CPU per proof); at the noop rate signing alone takes ≈ {phases[0].RequestsPerSecond * signing.MicrosecondsPerProof / 1_000_000:0.00} cores");
        text.AppendLine(c, $"- CPU columns are cores busy (CPU-seconds per second) during the measured window; {context.ProcessorCount} is the whole machine; \"server\" sums the {context.Nodes} server {(context.Nodes == 1 ? "process" : "processes")}; \"database\" is PostgreSQL's processes (SQLite runs inside the server); \"other\" is every other process (a busy neighbour makes the run noisy)");
        text.AppendLine(c, $"- goal (issue 3) ≥ {GoalCheck.ThroughputTarget:P0} of noop and p99 ≤ {GoalCheck.P99TargetMilliseconds:0} ms: **{(goal.Met ? "met" : "missed")}** (throughput {(goal.ThroughputMet ? "met" : "missed")}: {goal.ReleaseToNoop:P1}; p99 {(goal.LatencyMet ? "met" : "missed")}: {goal.ReleaseP99Milliseconds:0.0} ms)");
        return text.ToString();
    }

    public static async Task WriteJsonAsync(string path, RunContext context, SigningRate.Result signing, IReadOnlyList<PhaseResult> phases,
        double releaseToNoop, double authToNoop, GoalCheck goal)
    {
        var document = new
        {
            context,
            signing,
            phases = phases.Select(p => new
            {
                p.Name,
                p.Request,
                p.Requests,
                p.Seconds,
                p.RequestsPerSecond,
                p.LatencyMilliseconds,
                p.Errors,
                p.ErrorCount,
                p.ServerCpuCores,
                p.DatabaseCpuCores,
                p.ClientCpuCores,
                p.OtherCpuCores,
                p.ServerHistogram,
                p.ServerHistogramMeanMilliseconds,
                p.FirstFailure,
                p.WriteLockMeanMicroseconds,
                p.WriteBatchMean,
                p.WriteLockPerRequestMicroseconds,
            }),
            ratios = new { releaseToNoop, authToNoop },
            goal = new
            {
                throughputTarget = GoalCheck.ThroughputTarget,
                p99TargetMilliseconds = GoalCheck.P99TargetMilliseconds,
                goal.ReleaseToNoop,
                goal.ReleaseP99Milliseconds,
                goal.ThroughputMet,
                goal.LatencyMet,
                goal.Met,
            },
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Json) + "\n");
    }

    public static string MachineName()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (model is not null)
            {
                return $"{model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()}, {RuntimeInformation.OSDescription}";
            }
        }

        return RuntimeInformation.OSDescription;
    }

    private static string Errors(PhaseResult phase) =>
        phase.ErrorCount == 0 ? "0" : string.Join(", ", phase.Errors.Select(e => $"{e.Key} ×{e.Value}"));
}
