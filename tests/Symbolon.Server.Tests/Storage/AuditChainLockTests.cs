using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;
using Symbolon.Testing;

namespace Symbolon.Server.Tests.Storage;

/// <summary>
/// PostgreSQL: each chain's appends serialise on that chain's lock only (issue 13), and records that commit out of
/// sequence order are all logged by the checkpointer. Each test holds one transaction open on a connection of its own
/// while another appends; waits are bounded by a generous timeout, never measured.
/// </summary>
public sealed class AuditChainLockTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private SymbolonApp? _app;

    [Fact]
    public async Task An_append_to_another_chain_commits_while_a_chain_is_held()
    {
        var app = await StartAsync();
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        await using var holder = await BeginAsync(app);
        var held = await AppendAsync(holder, alice);

        await using var other = await BeginAsync(app);
        using var timeout = new CancellationTokenSource(Generous);
        var appended = await AppendAsync(other, bob, timeout.Token);
        await other.Transaction.CommitAsync(timeout.Token);
        await holder.Transaction.CommitAsync(timeout.Token);

        Assert.Equal((bob, 1L), (appended.ChainId, appended.ChainSequence));
        Assert.Equal((alice, 1L), (held.ChainId, held.ChainSequence));
        Assert.NotEqual(AuditLog.LockKey(alice), AuditLog.LockKey(bob));
        Assert.True(await VerifiesAsync(app));
    }

    [Fact]
    public async Task Appends_to_one_chain_wait_for_each_other_and_link_in_commit_order()
    {
        var app = await StartAsync();
        var alice = Guid.NewGuid();
        await using var holder = await BeginAsync(app);
        var first = await AppendAsync(holder, alice);

        await using var waiter = await BeginAsync(app);
        var second = AppendAsync(waiter, alice);
        await WaitUntilBlockedAsync(app, waiter.Connection.ProcessID);
        Assert.False(second.IsCompleted);
        await holder.Transaction.CommitAsync();
        var appended = await second.WaitAsync(Generous);
        await waiter.Transaction.CommitAsync();

        Assert.Equal(2, appended.ChainSequence);
        Assert.Equal(first.Hash, appended.PreviousHash);
        Assert.True(await VerifiesAsync(app));
    }

    [Fact]
    public async Task A_record_that_commits_after_a_later_one_is_logged_by_a_later_checkpoint()
    {
        var app = await StartAsync();
        var checkpointer = app.Services.GetRequiredService<AuditCheckpointer>();
        await using var late = await BeginAsync(app);
        var lateRecord = await AppendAsync(late, Guid.NewGuid());
        await using (var early = await BeginAsync(app))
        {
            var earlyRecord = await AppendAsync(early, Guid.NewGuid());
            await early.Transaction.CommitAsync();
            Assert.True(earlyRecord.Sequence > lateRecord.Sequence);
        }

        var before = await checkpointer.CheckpointAsync(CancellationToken.None);
        await late.Transaction.CommitAsync();
        var after = await checkpointer.CheckpointAsync(CancellationToken.None);

        Assert.Equal(before + 1, after);
        var leaves = app.WithDatabase(db => db.AuditLeaves.OrderBy(l => l.LeafIndex).Select(l => l.Sequence).ToList());
        Assert.Equal(lateRecord.Sequence, leaves[^1]);
        Assert.Empty(app.WithDatabase(db => db.AuditPending.ToList()));
        Assert.True(await VerifiesAsync(app));
    }

    public void Dispose() => _app?.Dispose();

    private async Task<SymbolonApp> StartAsync()
    {
        _app = new SymbolonApp(new Dictionary<string, string?>
        {
            ["Symbolon:Database:Provider"] = "PostgreSql",
            ["Symbolon:Database:ConnectionString"] = await postgres.CreateDatabaseAsync(),
            ["Symbolon:Database:MigrateAtStart"] = "true",
        });
        _ = _app.Server;
        return _app;
    }

    private static async Task<Open> BeginAsync(SymbolonApp app)
    {
        var connection = new NpgsqlConnection(app.WithDatabase(db => db.Database.GetConnectionString()));
        await connection.OpenAsync();
        return new Open(connection, await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted));
    }

    private static Task<AuditRecord> AppendAsync(Open open, Guid userId, CancellationToken cancellationToken = default) =>
        AuditLog.AppendAsync(new SqlSet(open.Connection, open.Transaction, postgres: true), new AuditRecord
        {
            Time = DateTimeOffset.UnixEpoch, Event = AuditEvents.UnitReleased, UserId = userId, UnitId = Guid.NewGuid(), UnitVersion = 1,
        }, cancellationToken);

    /// <summary>Until the backend <paramref name="processId"/> waits for an advisory lock (bounded by <see cref="Generous"/>).</summary>
    private static async Task WaitUntilBlockedAsync(SymbolonApp app, int processId)
    {
        await using var probe = new NpgsqlConnection(app.WithDatabase(db => db.Database.GetConnectionString()));
        await probe.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE pid = @pid AND locktype = 'advisory' AND NOT granted", probe);
        command.Parameters.AddWithValue("pid", processId);
        using var timeout = new CancellationTokenSource(Generous);
        while ((long)(await command.ExecuteScalarAsync(timeout.Token))! == 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<bool> VerifiesAsync(SymbolonApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var result = await AuditEndpoints.VerifyChainAsync(
            scope.ServiceProvider.GetRequiredService<SymbolonDbContext>(), scope.ServiceProvider.GetRequiredService<AuditSigner>(), CancellationToken.None);
        Assert.True(result.Valid, result.Problem);
        return result.Valid;
    }

    private sealed record Open(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
