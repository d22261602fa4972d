using Microsoft.EntityFrameworkCore;
using Symbolon.Server.Audit;
using Symbolon.Server.Hosting;
using Symbolon.Server.Keys;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Operations;

/// <summary>Operator commands that run against the data directory and exit: migrate, verify-audit, rewrap-kek.</summary>
public static class ServerCommands
{
    /// <summary>
    /// The command word among the arguments, if any. Configuration switches are skipped the way .NET's command-line
    /// configuration reads them: "--key=value" and "key=value" are one argument, "--key value" two, so the value of
    /// "--urls http://127.0.0.1:5290" is not taken for a command.
    /// </summary>
    public static string? Find(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var index = 0; index < args.Count; index++)
        {
            var argument = args[index];
            var hasValue = argument.Contains('=', StringComparison.Ordinal);
            if (argument.StartsWith("--", StringComparison.Ordinal) || argument.StartsWith('/'))
            {
                // "--key value": the next argument is the value, whatever it looks like.
                index += hasValue ? 0 : 1;
            }
            else if (!argument.StartsWith('-') && !hasValue)
            {
                // A lone "-x" is ignored by the configuration and takes no value; "key=value" is a setting.
                return argument;
            }
        }

        return null;
    }

    public static async Task<int> RunAsync(string command, IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        switch (command)
        {
            case "migrate":
                Console.WriteLine($"symbolon-server: the database schema is up to date; the keys every node shares ({string.Join(", ", ServerSetup.SharedKeyFiles)}) are in {provider.GetRequiredService<DataDirectory>().Path}.");
                return 0;
            case "verify-audit":
                var result = await AuditEndpoints.VerifyChainAsync(provider.GetRequiredService<SymbolonDbContext>(), provider.GetRequiredService<AuditSigner>(), CancellationToken.None);
                Console.WriteLine(result.Valid
                    ? $"symbolon-server: audit chains intact: {result.Records} records, deployment chain head {result.HeadHash}; the log's {result.LogLeaves} leaves and {result.Checkpoints} checkpoints verify."
                    : result.FirstBadSequence is { } bad
                        ? $"symbolon-server: error: audit chain broken at record {bad}: {result.Problem}."
                        : $"symbolon-server: error: the audit log does not verify: {result.Problem}.");
                return result.Valid ? 0 : 1;
            case "rewrap-kek":
                var count = await RewrapAsync(provider);
                Console.WriteLine($"symbolon-server: {count} shares and keys rewrapped; the new key-encryption key is current and the old one destroyed.");
                return 0;
            default:
                await Console.Error.WriteLineAsync($"symbolon-server: error: unknown command '{command}'.");
                await Console.Error.WriteLineAsync("symbolon-server: hint: commands are serve (the default), migrate, verify-audit, rewrap-kek.");
                return 2;
        }
    }

    /// <summary>
    /// Rewraps every stored share under a new KEK in one transaction, then makes it current. A crash before the
    /// commit leaves everything under the old key; after it, both keys are loaded until the next run finishes.
    /// </summary>
    public static async Task<int> RewrapAsync(IServiceProvider services)
    {
        var keys = services.GetRequiredService<IKeyEncryptionKeyProvider>();
        var protector = services.GetRequiredService<ShareProtector>();
        var db = services.GetRequiredService<SymbolonDbContext>();
        var audit = services.GetRequiredService<AuditLog>();
        var nextId = keys.PrepareNextKey();
        var count = await services.GetRequiredService<WriteTransactions>().RunAsync(async () =>
        {
            var rows = await db.UnitVersions
                .Join(db.Units, v => v.UnitId, u => u.Id, (v, u) => new { Version = v, u.UserId })
                .Where(x => x.Version.State == UnitVersionState.Active && x.Version.KekId != nextId)
                .ToListAsync();
            var share = new byte[Symbolon.Crypto.ServerShare.ShareSize];
            try
            {
                foreach (var row in rows)
                {
                    var version = row.Version;
                    if (!protector.TryUnprotect(version.KekId, version.SealedShare, row.UserId, version.UnitId, version.Version, share))
                    {
                        throw new InvalidOperationException($"Share of unit {version.UnitId} version {version.Version} failed its integrity check; nothing was rewrapped.");
                    }

                    version.SealedShare = protector.ProtectWithNext(share, row.UserId, version.UnitId, version.Version);
                    version.KekId = nextId;
                }
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(share);
            }

            var oprfKeys = await db.OprfKeys.Where(k => k.State == UnitVersionState.Active && k.KekId != nextId).ToListAsync();
            var scalar = new byte[Symbolon.Crypto.Oprf.OprfPrivateKey.KeySize];
            try
            {
                foreach (var key in oprfKeys)
                {
                    if (!protector.TryUnprotectOprfKey(key.KekId, key.SealedKey, key.UserId, key.Epoch, scalar))
                    {
                        throw new InvalidOperationException($"The POPRF key of user {key.UserId} epoch {key.Epoch} failed its integrity check; nothing was rewrapped.");
                    }

                    key.SealedKey = protector.ProtectOprfKey(scalar, key.UserId, key.Epoch, withNext: true);
                    key.KekId = nextId;
                }
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(scalar);
            }

            await audit.AppendAsync(db, AuditEvents.KekRotated, detail: $"{rows.Count} shares and {oprfKeys.Count} blinded-mode keys to {nextId}");
            return rows.Count + oprfKeys.Count;
        }, account: null, CancellationToken.None, maintenance: true);
        keys.PromoteNextKey();
        return count;
    }

    public static void PrintBanner(WebApplication app)
    {
        var data = app.Services.GetRequiredService<DataDirectory>();
        var operatorToken = app.Services.GetRequiredService<OperatorToken>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            Console.WriteLine($"symbolon-server: data directory {data.Path}");
            Console.WriteLine($"symbolon-server: operator token in {operatorToken.Path}");
            Console.WriteLine($"symbolon-server: listening on {string.Join(", ", app.Urls)}");
        });
    }

}
