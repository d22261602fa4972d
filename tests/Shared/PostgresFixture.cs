namespace Symbolon.Testing;

/// <summary>One throwaway PostgreSQL cluster per test class; a test skips itself (and CI fails) where none can run.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly PostgresCluster _cluster = new();

    public async ValueTask InitializeAsync()
    {
        if (_cluster.Unavailable is null)
        {
            await _cluster.StartAsync();
        }
    }

    /// <summary>A new empty database; skips the calling test when no PostgreSQL binaries are installed.</summary>
    public Task<string> CreateDatabaseAsync()
    {
        return Cluster.CreateDatabaseAsync();
    }

    /// <summary>The cluster itself, for tests that start server processes on it.</summary>
    public PostgresCluster Cluster
    {
        get
        {
            if (_cluster.Unavailable is not null)
            {
                Assert.Skip(_cluster.Unavailable);
            }

            return _cluster;
        }
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
