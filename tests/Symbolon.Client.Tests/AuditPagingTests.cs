using Microsoft.Extensions.DependencyInjection;
using Symbolon.Protocol;
using Symbolon.Server.Audit;
using Symbolon.Server.Storage;
using Symbolon.Testing;

namespace Symbolon.Client.Tests;

/// <summary>GET /v1/audit answers at most <see cref="AuditPage.MaxSize"/> records; the SDK (and so `symbolon audit` and `audit --check`) reads every page.</summary>
public sealed class AuditPagingTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "symbolon-audit-pages-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_SDK_reads_every_record_of_an_audit_longer_than_two_pages()
    {
        using var app = new SymbolonApp();
        using var vault = VaultClient.Open(new VaultClientOptions { HomePath = _home, HttpHandler = app.Server.CreateHandler(), Time = app.Time });
        var server = new Uri("http://127.0.0.1/");
        await vault.CreateAccountAsync(server, "paged", "a long enough account password", TestContext.Current.CancellationToken);
        await vault.LoginAsync(server, "paged", "a long enough account password", cancellationToken: TestContext.Current.CancellationToken);
        var userId = app.WithDatabase(db => db.Users.Single().Id);
        await AppendAsync(app, userId, (2 * AuditPage.MaxSize) + 7);
        var stored = app.WithDatabase(db => db.AuditRecords.Where(r => r.UserId == userId).OrderBy(r => r.Sequence).Select(r => r.Sequence).ToList());

        var entries = await vault.AuditAsync(TestContext.Current.CancellationToken);

        Assert.True(stored.Count > 2 * AuditPage.MaxSize);
        Assert.Equal(stored, entries.Select(e => e.Sequence));
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    /// <summary>Appends <paramref name="count"/> records to the user's chain in one write, as many requests would.</summary>
    private static async Task AppendAsync(SymbolonApp app, Guid userId, int count)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        await scope.ServiceProvider.GetRequiredService<WriteTransactions>().RunAsync(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await audit.AppendAsync(db, AuditEvents.SessionRefreshed, userId, detail: "filler " + i, cancellationToken: TestContext.Current.CancellationToken);
            }

            return true;
        }, TestContext.Current.CancellationToken);
    }
}
