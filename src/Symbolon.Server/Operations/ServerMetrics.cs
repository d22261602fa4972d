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
        _releaseDuration = meter.CreateHistogram<double>("symbolon.release.duration", unit: "s", description: "Time to authorise, audit durably and release a share.");
    }

    public void Released(TimeSpan elapsed)
    {
        _releases.Add(1);
        _releaseDuration.Record(elapsed.TotalSeconds);
    }

    public void Denied(string reason) => _denials.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
