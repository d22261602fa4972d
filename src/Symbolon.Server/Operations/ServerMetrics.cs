using System.Diagnostics.Metrics;

namespace Symbolon.Server.Operations;

/// <summary>Counters and histograms exported at /metrics. Labels carry reasons, never ids or secrets.</summary>
public sealed class ServerMetrics
{
    public const string MeterName = "Symbolon.Server";

    private readonly Counter<long> _releases;
    private readonly Counter<long> _denials;
    private readonly Histogram<double> _releaseDuration;
    private readonly Histogram<double> _writeLockDuration;
    private readonly Histogram<long> _writeBatchSize;
    private readonly Counter<long> _passwordHashes;

    public ServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _releases = meter.CreateCounter<long>("symbolon.releases", description: "Server shares released.");
        _denials = meter.CreateCounter<long>("symbolon.denials", description: "Releases refused, by reason.");
        _releaseDuration = meter.CreateHistogram(
            "symbolon.release.duration",
            unit: "s",
            description: "Time to authorise, audit durably and release a share.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        _writeLockDuration = meter.CreateHistogram(
            "symbolon.write.lock.duration",
            unit: "s",
            description: "Time a write set held a deployment-wide write lock: on SQLite its time in the batch transaction plus its share of the commit (not the flush after it); on PostgreSQL from the deployment-wide advisory lock to the commit (writes under an account's lock only are not counted).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1] });
        _writeBatchSize = meter.CreateHistogram(
            "symbolon.write.batch.size",
            unit: "{write set}",
            description: "Write sets committed together by one SQLite group commit.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _passwordHashes = meter.CreateCounter<long>("symbolon.password.hashes", description: "Argon2id computations (sign-ups and password checks).");
    }

    /// <summary>One Argon2id computation: the cost a login or sign-up puts on the server.</summary>
    public void PasswordHashed() => _passwordHashes.Add(1);

    /// <summary>A write set's time under the deployment-wide lock; durable false for a read's relaxed replay record.</summary>
    public void WriteLockHeld(TimeSpan elapsed, bool durable) =>
        _writeLockDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("durable", durable ? "true" : "false"));

    /// <summary>One SQLite group commit of <paramref name="sets"/> write sets.</summary>
    public void WriteBatch(int sets, bool durable) =>
        _writeBatchSize.Record(sets, new KeyValuePair<string, object?>("durable", durable ? "true" : "false"));

    public void Released(TimeSpan elapsed)
    {
        _releases.Add(1);
        _releaseDuration.Record(elapsed.TotalSeconds);
    }

    public void Denied(string reason) => _denials.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
