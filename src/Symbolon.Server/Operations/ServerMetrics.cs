using System.Diagnostics.Metrics;

namespace Symbolon.Server.Operations;

/// <summary>Counters and histograms exported at /metrics. Labels carry reasons, never ids or secrets.</summary>
public sealed class ServerMetrics
{
    public const string MeterName = "Symbolon.Server";

    private readonly Counter<long> _releases;
    private readonly Counter<long> _denials;
    private readonly Histogram<double> _releaseDuration;

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
    }

    public void Released(TimeSpan elapsed)
    {
        _releases.Add(1);
        _releaseDuration.Record(elapsed.TotalSeconds);
    }

    public void Denied(string reason) => _denials.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
