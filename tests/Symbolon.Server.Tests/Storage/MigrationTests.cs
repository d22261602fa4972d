using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Server.Hosting;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests.Storage;

/// <summary>
/// Each provider's committed migrations describe the model exactly, and both providers have the same migrations, so the
/// SQLite and PostgreSQL schemas cannot drift apart (docs/operations.md, "Adding a migration"). The context is built by
/// the server's own AddSymbolonStorage, as `dotnet ef` builds it; comparing the model with the snapshot needs no
/// database, so no PostgreSQL server is started.
/// </summary>
public sealed class MigrationTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "Microsoft.EntityFrameworkCore.Sqlite")]
    [InlineData(DatabaseProvider.PostgreSql, "Npgsql.EntityFrameworkCore.PostgreSQL")]
    public void The_model_has_no_changes_missing_from_the_migrations(DatabaseProvider provider, string providerName)
    {
        using var services = StorageServices(provider);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();

        Assert.Equal(providerName, db.Database.ProviderName);
        Assert.False(
            db.Database.HasPendingModelChanges(),
            $"The model has changes that no {provider} migration covers: add one for both providers (docs/operations.md, \"Adding a migration\").");
    }

    [Fact]
    public void Both_providers_have_the_same_migrations_in_the_same_order()
    {
        var sqlite = MigrationNames(DatabaseProvider.Sqlite);
        var postgres = MigrationNames(DatabaseProvider.PostgreSql);

        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, postgres);
    }

    /// <summary>Migration ids are "timestamp_Name"; the timestamps differ between providers, the names must not.</summary>
    private static List<string> MigrationNames(DatabaseProvider provider)
    {
        using var services = StorageServices(provider);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
        return [.. db.Database.GetMigrations().Select(id => id[(id.IndexOf('_', StringComparison.Ordinal) + 1)..])];
    }

    /// <summary>The server's storage registration for one provider. The connection strings are never opened.</summary>
    private static ServiceProvider StorageServices(DatabaseProvider provider)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Symbolon:Database:Provider"] = provider.ToString(),
            ["Symbolon:Database:ConnectionString"] = provider == DatabaseProvider.PostgreSql
                ? "Host=localhost;Database=symbolon_unused;Username=symbolon_unused"
                : "Data Source=:memory:",
        });
        builder.AddSymbolonOptions().AddSymbolonStorage();
        return builder.Services.BuildServiceProvider();
    }
}
