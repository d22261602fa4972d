using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Symbolon.Server.Tests;

/// <summary>
/// The measurements one app's server makes of one instrument while this is alive (its own meters only, not those of
/// other tests' servers running in parallel), split by the "durable" tag where the instrument has one.
/// </summary>
internal sealed class AppMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();

    /// <param name="onMeasurement">Runs on the measuring thread, at the moment of each measurement.</param>
    public AppMeasurements(SymbolonApp app, string instrumentName, Action? onMeasurement = null)
    {
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == instrumentName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var durable = false;
            foreach (var tag in tags)
            {
                durable |= tag.Key == "durable" && Equals(tag.Value, "true");
            }

            (durable ? Durable : Relaxed).Add(value);
            onMeasurement?.Invoke();
        });
        _listener.Start();
    }

    /// <summary>Measurements tagged durable=true.</summary>
    public ConcurrentBag<long> Durable { get; } = [];

    /// <summary>Every other measurement (durable=false, or no such tag).</summary>
    public ConcurrentBag<long> Relaxed { get; } = [];

    /// <summary>The sum of every measurement.</summary>
    public long Total => Durable.Sum() + Relaxed.Sum();

    public void Dispose() => _listener.Dispose();
}
