using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Win32.SafeHandles;
using Symbolon.Server.Operations;

namespace Symbolon.Server.Storage;

/// <summary>
/// Group commit on SQLite: one writer loop per server takes the write sets that requests queued, runs them one after
/// another inside ONE write transaction (BEGIN IMMEDIATE, so the database's single write lock), each in its own
/// SAVEPOINT, and commits them together. A set that throws is rolled back to its savepoint and only its request fails.
/// <para>
/// The flush is pipelined: the writer's connection commits with synchronous=NORMAL (WAL: the commit is written to the
/// write-ahead log, atomic and visible at once, but not yet flushed), and a flusher loop then fsyncs the log file and
/// only then completes the batch's durable sets, while the writer already runs the next batch. So no answer leaves
/// before its write is durable (after the fsync the commit survives a power loss, as with synchronous=FULL: the log's
/// frames carry checksums and recovery replays every committed frame), and the write lock is never held across an
/// fsync. A relaxed set (<see cref="RunSqlAsync{T}"/> with durable false: the DPoP replay record and the coarse session use
/// of a read) completes at its commit without waiting for a flush (docs/operations.md). When the COMMIT or the flush
/// fails, every durable set of the batch fails.
/// </para>
/// <para>
/// An EF Core set runs on its request's own <see cref="SymbolonDbContext"/>, pointed at the writer's open connection and
/// batch transaction while it runs; a plain-SQL set (<see cref="RunSqlAsync{T}"/>) on the writer's connection directly.
/// </para>
/// </summary>
public sealed partial class SqliteGroupCommit : IAsyncDisposable
{
    /// <summary>At most this many sets share one commit, so one batch cannot hold the write lock for long.</summary>
    public const int MaximumBatch = 256;

    private readonly IServiceScopeFactory _scopes;
    private readonly ServerMetrics _metrics;
    private readonly ILogger<SqliteGroupCommit> _logger;
    private readonly Channel<WriteSet> _queue = Channel.CreateUnbounded<WriteSet>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<CommittedBatch> _flushes = Channel.CreateUnbounded<CommittedBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Lock _startLock = new();
    private Task? _loop;
    private Task? _flusher;

    public SqliteGroupCommit(IServiceScopeFactory scopes, ServerMetrics metrics, ILogger<SqliteGroupCommit> logger)
    {
        _scopes = scopes;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Queues <paramref name="work"/> (which must save its own changes) to run on <paramref name="db"/> inside the next
    /// batch, and completes once that batch has committed durably.
    /// </summary>
    public Task<T> RunAsync<T>(SymbolonDbContext db, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        return Enqueue<T>((connection, transaction, _) => RunOnContextAsync(db, work, connection, transaction), durable: true, cancellationToken);
    }

    /// <summary>
    /// Queues a write set in plain SQL to run on the writer's connection inside the next batch (its commands prepared
    /// once per connection), and completes once that batch has committed (durably when <paramref name="durable"/>).
    /// </summary>
    public Task<T> RunSqlAsync<T>(Func<SqlSet, Task<T>> work, bool durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Enqueue<T>((connection, transaction, prepared) => work(new SqlSet(connection, transaction, postgres: false, prepared)), durable, cancellationToken);
    }

    private Task<T> Enqueue<T>(Func<DbConnection, DbTransaction, Dictionary<string, DbCommand>, Task<T>> work, bool durable, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var set = new WriteSet<T>(work, durable, cancellationToken);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(set), this);
        return set.Completion.Task;
    }

    /// <summary>Runs EF Core work on the request's own context, pointed at the writer's connection and transaction meanwhile.</summary>
    private static async Task<T> RunOnContextAsync<T>(SymbolonDbContext db, Func<Task<T>> work, DbConnection connection, DbTransaction transaction)
    {
        var database = db.Database;
        var connectionString = database.GetConnectionString();

        database.SetDbConnection(connection, contextOwnsConnection: false);

        // The set's own savepoint already undoes a failed SaveChanges; EF Core's automatic one would add two statements.
        database.AutoSavepointsEnabled = false;
        try
        {
            await database.UseTransactionAsync(transaction).ConfigureAwait(false);
            return await work().ConfigureAwait(false);
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
        finally
        {
            // Back to a connection of the request's own before anyone else can touch the context.
            database.UseTransaction(null);
            database.AutoSavepointsEnabled = true;
            database.SetDbConnection(new SqliteConnection(connectionString), contextOwnsConnection: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        _flushes.Writer.TryComplete();
        if (_flusher is { } flusher)
        {
            await flusher.ConfigureAwait(false);
        }
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _flusher ??= Task.Run(RunFlusherAsync);
            _loop ??= Task.Run(RunLoopAsync);
        }
    }

    private async Task RunLoopAsync()
    {
        var batch = new List<WriteSet>(MaximumBatch);
        var committed = new List<(WriteSet Set, long Ticks)>(MaximumBatch);
        Writer? writer = null;
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            committed.Clear();
            while (batch.Count < MaximumBatch && _queue.Reader.TryRead(out var queued))
            {
                if (queued.CancellationToken.IsCancellationRequested)
                {
                    queued.Cancel();
                }
                else
                {
                    batch.Add(queued);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                writer ??= await Writer.OpenAsync(_scopes).ConfigureAwait(false);
                var durable = batch.Exists(s => s.Durable);
                await using var transaction = await writer.Db.Database.BeginTransactionAsync().ConfigureAwait(false);
                var connection = writer.Db.Database.GetDbConnection();
                var dbTransaction = transaction.GetDbTransaction();
                foreach (var set in batch)
                {
                    var started = Stopwatch.GetTimestamp();
                    await writer.ExecuteAsync("SAVEPOINT write_set").ConfigureAwait(false);
                    if (await set.RunAsync(connection, dbTransaction, writer.Prepared).ConfigureAwait(false))
                    {
                        await writer.ExecuteAsync("RELEASE write_set").ConfigureAwait(false);
                        committed.Add((set, Stopwatch.GetTimestamp() - started));
                    }
                    else
                    {
                        await writer.ExecuteAsync("ROLLBACK TO write_set; RELEASE write_set").ConfigureAwait(false);
                    }
                }

                var commitStarted = Stopwatch.GetTimestamp();
                await transaction.CommitAsync().ConfigureAwait(false);
                var commitShare = committed.Count == 0 ? 0 : (Stopwatch.GetTimestamp() - commitStarted) / committed.Count;
                _metrics.WriteBatch(batch.Count, durable);
                var toFlush = new List<WriteSet>(committed.Count);
                foreach (var (set, ticks) in committed)
                {
                    _metrics.WriteLockHeld(Stopwatch.GetElapsedTime(0, ticks + commitShare), set.Durable);
                    if (set.Durable)
                    {
                        toFlush.Add(set);
                    }
                    else
                    {
                        set.Complete();
                    }
                }

                if (toFlush.Count > 0 && writer.Pipelined)
                {
                    _flushes.Writer.TryWrite(new CommittedBatch(writer.LogPath, toFlush));
                }
                else
                {
                    // Not in WAL mode: the writer kept synchronous=FULL, so the commit itself was durable.
                    toFlush.ForEach(set => set.Complete());
                }
            }
            catch (Exception exception)
            {
                // The COMMIT (or the batch transaction itself) failed: nothing of the batch is durable, so no set may be
                // answered as if it were. The connection may be unusable; the next batch opens a new one.
                foreach (var set in batch)
                {
                    set.Fail(exception);
                }

                if (writer is not null)
                {
                    try
                    {
                        await writer.DisposeAsync().ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // Best effort: the loop must outlive a broken connection, or every later write would wait forever.
                    }

                    writer = null;
                }
            }
        }

        if (writer is not null)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Flushes committed batches: one fsync of the write-ahead log covers every batch committed before it started, then
    /// their durable sets complete. The log is opened per flush, so a log file SQLite replaced is never the one synced.
    /// </summary>
    private async Task RunFlusherAsync()
    {
        var pending = new List<CommittedBatch>();
        Exception? broken = null;
        while (await _flushes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            pending.Clear();
            while (_flushes.Reader.TryRead(out var batch))
            {
                pending.Add(batch);
            }

            if (broken is null)
            {
                try
                {
                    FlushLog(pending[^1].LogPath);
                }
                catch (Exception exception)
                {
                    // After a failed fsync the kernel may have dropped the dirty pages and report the next fsync as a
                    // success: no later write can be called durable until the server restarts and SQLite recovers.
                    LogFlushFailed(_logger, exception);
                    broken = new IOException("Flushing the write-ahead log failed; no write is durable until the server restarts.", exception);
                }
            }

            foreach (var set in pending.SelectMany(batch => batch.Sets))
            {
                if (broken is null)
                {
                    set.Complete();
                }
                else
                {
                    set.Fail(broken);
                }
            }
        }
    }

    /// <summary>
    /// fsyncs the write-ahead log. A missing log means SQLite checkpointed it into the database, which it syncs first, and
    /// removed it: what it held is durable.
    /// </summary>
    private static void FlushLog(string logPath)
    {
        SafeFileHandle log;
        try
        {
            log = File.OpenHandle(logPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return;
        }

        using (log)
        {
            RandomAccess.FlushToDisk(log);
        }
    }

    /// <summary>The durable sets of one committed batch, waiting for the log's flush.</summary>
    private sealed record CommittedBatch(string LogPath, List<WriteSet> Sets);

    /// <summary>The writer's own context: its connection and batch transaction (so EF Core's interceptors see the COMMIT).</summary>
    private sealed class Writer(AsyncServiceScope scope, SymbolonDbContext db) : IAsyncDisposable
    {
        public SymbolonDbContext Db => db;

        /// <summary>Commands of plain-SQL write sets, prepared once on this connection.</summary>
        public Dictionary<string, DbCommand> Prepared { get; } = new(StringComparer.Ordinal);

        /// <summary>Whether commits leave the flush to the flusher (WAL mode), or are durable themselves.</summary>
        public bool Pipelined { get; private set; }

        /// <summary>The database's write-ahead log, which the flusher syncs.</summary>
        public string LogPath { get; } = ((SqliteConnection)db.Database.GetDbConnection()).DataSource + "-wal";

        public static async Task<Writer> OpenAsync(IServiceScopeFactory scopes)
        {
            var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
            await db.Database.OpenConnectionAsync().ConfigureAwait(false);
            var writer = new Writer(scope, db);

            // In WAL mode the commit writes the log without syncing it, and the flusher syncs it before any durable set
            // is answered. In any other journal mode there is no log to sync: the commit stays synchronous=FULL.
            await using var mode = db.Database.GetDbConnection().CreateCommand();
            mode.CommandText = "PRAGMA journal_mode";
            writer.Pipelined = string.Equals(await mode.ExecuteScalarAsync().ConfigureAwait(false) as string, "wal", StringComparison.OrdinalIgnoreCase);
            if (writer.Pipelined)
            {
                await writer.ExecuteAsync("PRAGMA synchronous=NORMAL").ConfigureAwait(false);
            }

            return writer;
        }

        public async Task ExecuteAsync(string sql)
        {
            if (!Prepared.TryGetValue(sql, out var command))
            {
                command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = sql;
                Prepared.Add(sql, command);
            }

            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in Prepared.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }

            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    private abstract class WriteSet(bool durable, CancellationToken cancellationToken)
    {
        public bool Durable => durable;

        public CancellationToken CancellationToken => cancellationToken;

        /// <summary>Runs the set on the writer's connection and transaction; false when it threw (and must be rolled back).</summary>
        public async Task<bool> RunAsync(DbConnection connection, DbTransaction transaction, Dictionary<string, DbCommand> prepared)
        {
            try
            {
                await RunWorkAsync(connection, transaction, prepared).ConfigureAwait(false);
                return true;
            }
            catch (Exception exception)
            {
                Fail(exception);
                return false;
            }
        }

        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();

        protected abstract Task RunWorkAsync(DbConnection connection, DbTransaction transaction, Dictionary<string, DbCommand> prepared);
    }

    private sealed class WriteSet<T>(
        Func<DbConnection, DbTransaction, Dictionary<string, DbCommand>, Task<T>> work, bool durable, CancellationToken cancellationToken)
        : WriteSet(durable, cancellationToken)
    {
        private T? _result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete() => Completion.TrySetResult(_result!);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        public override void Cancel() => Completion.TrySetCanceled(CancellationToken);

        protected override async Task RunWorkAsync(DbConnection connection, DbTransaction transaction, Dictionary<string, DbCommand> prepared) =>
            _result = await work(connection, transaction, prepared).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Flushing the SQLite write-ahead log failed: every write from now on fails until the server restarts")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
