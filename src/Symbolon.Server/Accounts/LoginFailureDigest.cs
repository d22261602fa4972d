using System.Globalization;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Accounts;

/// <summary>
/// Failed and throttled logins, counted in this node's memory and written to the audit log once per
/// <see cref="Window"/>: one record per account (the user's own chain; the deployment chain for names that are not
/// accounts), outcome and client address bucket — "7 failed logins (wrong password) from 2001:db8::/64 in the last
/// minute" — all in one write transaction. An unauthenticated flood therefore costs one durable write per window, not
/// one per request. At most <see cref="MaxRecordsPerWindow"/> records per window; the rest are summed in one more.
/// </summary>
public sealed partial class LoginFailureDigest(IServiceScopeFactory scopes, TimeProvider time, ILogger<LoginFailureDigest> logger) : BackgroundService
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public const int MaxRecordsPerWindow = 1000;

    private readonly Lock _lock = new();
    private Dictionary<Key, int> _counts = [];
    private int _overflow;

    /// <summary>Counts one login that failed for <paramref name="reason"/> ("wrong password", "throttled", …).</summary>
    public void Count(string auditEvent, Guid? userId, string reason, string addressBucket)
    {
        lock (_lock)
        {
            var key = new Key(auditEvent, userId, reason, addressBucket);
            if (_counts.TryGetValue(key, out var count))
            {
                _counts[key] = count + 1;
            }
            else if (_counts.Count < MaxRecordsPerWindow)
            {
                _counts[key] = 1;
            }
            else
            {
                _overflow++;
            }
        }
    }

    /// <summary>Writes what was counted since the last flush (nothing when nothing was) in one write transaction.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<Key, int> counts;
        int overflow;
        lock (_lock)
        {
            (counts, _counts) = (_counts, []);
            (overflow, _overflow) = (_overflow, 0);
        }

        if (counts.Count == 0 && overflow == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        await scope.ServiceProvider.GetRequiredService<WriteTransactions>().RunAsync(async () =>
        {
            foreach (var (key, count) in counts)
            {
                var detail = string.Create(CultureInfo.InvariantCulture, $"{count} login(s) refused ({key.Reason}) from {key.AddressBucket} in the last minute");
                await audit.AppendAsync(db, key.Event, key.UserId, detail: detail, cancellationToken: cancellationToken);
            }

            if (overflow > 0)
            {
                var detail = string.Create(CultureInfo.InvariantCulture, $"{overflow} more login(s) refused in the last minute, beyond {MaxRecordsPerWindow} accounts and addresses");
                await audit.AppendAsync(db, AuditEvents.LoginFailed, detail: detail, cancellationToken: cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Window, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
            }
            catch (Exception problem) when (problem is not OperationCanceledException)
            {
                LogFlushFailed(logger, problem);
            }
        }
    }

    /// <summary>What was counted in the last window is written before the node stops.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception problem) when (problem is not OperationCanceledException)
        {
            LogFlushFailed(logger, problem);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the failed-login digest to the audit log failed; that window's counts are lost.")]
    private static partial void LogFlushFailed(ILogger logger, Exception problem);

    private readonly record struct Key(string Event, Guid? UserId, string Reason, string AddressBucket);
}
