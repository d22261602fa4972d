using System.Net;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Symbolon.Protocol;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;
using Symbolon.Server.Blinded;
using Symbolon.Server.Keys;
using Symbolon.Server.Limits;
using Symbolon.Server.Operations;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;
using Symbolon.Server.Units;

namespace Symbolon.Server.Hosting;

/// <summary>One AddX per concern, so Program.cs reads as a table of contents.</summary>
public static class ServerSetup
{
    public const int DefaultPort = 5290;

    public static WebApplicationBuilder AddSymbolonOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServerOptions>()
            .Bind(builder.Configuration.GetSection(ServerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Oidc.Authority is null || !string.IsNullOrEmpty(o.Oidc.Audience), "Symbolon:Oidc:Audience is required when Symbolon:Oidc:Authority is set.")
            .Validate(o => o.Oidc.Authority is null || o.Oidc.Authority.Scheme == Uri.UriSchemeHttps || o.Oidc.AllowInsecureMetadata, "Symbolon:Oidc:Authority must use https.")
            .Validate(o => !o.Oidc.DisableLocalAccounts || o.Oidc.Authority is not null, "Symbolon:Oidc:DisableLocalAccounts needs Symbolon:Oidc:Authority.")
            .Validate(o => o.Database.Provider != DatabaseProvider.PostgreSql || IsPostgresConnectionString(o.Database.ConnectionString),
                "Symbolon:Database:ConnectionString must be a PostgreSQL connection string (Host=…;Database=…;Username=…) when Symbolon:Database:Provider is PostgreSql.")
            .Validate(o => o.Sessions.UseRecordInterval * 2 <= o.Sessions.IdleTimeout, "Symbolon:Sessions:UseRecordInterval must be at most half of Symbolon:Sessions:IdleTimeout.")
            .Validate(o => o.Proxies.AreValid(), "Symbolon:Proxies:KnownProxies must be IP addresses and Symbolon:Proxies:KnownNetworks CIDR prefixes such as 10.0.0.0/8.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, SettingsGroupsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new DataDirectory(sp.GetRequiredService<IOptions<ServerOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// The connection string with Npgsql's automatic preparation on, unless the operator set it: every request runs the
    /// same few statements, and a prepared one skips PostgreSQL's parse and plan (most of its CPU per statement).
    /// </summary>
    private static string? WithPreparedStatements(string? connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!builder.ContainsKey("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }

    public static WebApplicationBuilder AddSymbolonStorage(this WebApplicationBuilder builder)
    {
        var database = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>()?.Database ?? new DatabaseOptions();
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            builder.Services.AddDbContextPool<SymbolonDbContext, PostgresDbContext>((services, options) =>
                options.UseNpgsql(WithPreparedStatements(services.GetRequiredService<IOptions<ServerOptions>>().Value.Database.ConnectionString)));
        }
        else
        {
            builder.Services.AddSingleton<SqlitePragmas>();
            builder.Services.AddSingleton<SqliteGroupCommit>();
            // Pooled: building a context's options per request cost more CPU than an authenticated read's queries.
            builder.Services.AddDbContextPool<SymbolonDbContext>((services, options) =>
            {
                var connectionString = services.GetRequiredService<IOptions<ServerOptions>>().Value.Database.ConnectionString
                    ?? $"Data Source={services.GetRequiredService<DataDirectory>().File("symbolon.db")};Pooling=True;Default Timeout=30";
                options.UseSqlite(connectionString).AddInterceptors(services.GetRequiredService<SqlitePragmas>());
            });
        }

        builder.Services.AddScoped<WriteTransactions>();
        builder.Services.AddHostedService<ExpiredProofSweeper>();
        return builder;
    }

    public static WebApplicationBuilder AddSymbolonKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IKeyEncryptionKeyProvider, FileKeyEncryptionKeyProvider>();
        builder.Services.AddSingleton<ShareProtector>();
        builder.Services.AddSingleton<AuditSigner>();
        builder.Services.AddSingleton<OperatorToken>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AuditCheckpointer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AuditCheckpointer>());
        return builder;
    }

    /// <summary>One path for every use of a unit (release, evaluation), the stored secrets it opens, and its limits.</summary>
    public static WebApplicationBuilder AddSymbolonUnits(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReleaseLimiter>();
        builder.Services.AddSingleton<UnitShares>();
        builder.Services.AddSingleton<OprfKeys>();
        builder.Services.AddSingleton<UnitUse>();
        builder.Services.AddSingleton<DestructiveRequests>();
        return builder;
    }

    /// <summary>
    /// The /v1 wire contract: bodies read and written through the protocol's source-generated JSON context (reflection
    /// stays behind it for anything else), and a request that does not fit the contract answered as invalid-request.
    /// </summary>
    public static WebApplicationBuilder AddSymbolonProtocol(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => ProtocolJsonContext.Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BindingFailures>();
        return builder;
    }

    public static WebApplicationBuilder AddSymbolonAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddSingleton<LoginThrottler>();
        builder.Services.AddSingleton<LoginFailureDigest>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LoginFailureDigest>());
        builder.Services.AddSingleton<DpopVerifier>();
        builder.Services.AddSingleton<SessionAuthenticator>();

        // External identity: the issuer's JWT is exchanged at POST /v1/sessions for a device-bound session, once. Issuer,
        // audience, lifetime, type, algorithm, authorised party and signature are all validated; the keys come from the
        // issuer's JWKS.
        builder.Services.AddAuthentication().AddJwtBearer(SessionEndpoints.OidcScheme, _ => { });
        builder.Services.AddOptions<JwtBearerOptions>(SessionEndpoints.OidcScheme)
            .Configure<IOptions<ServerOptions>>((jwt, server) => IdentityToken.Configure(jwt, server.Value.Oidc));
        builder.Services.AddAuthorization();
        return builder;
    }

    public static WebApplicationBuilder AddSymbolonOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        return builder.AddSymbolonOpenApi();
    }

    /// <summary>
    /// Binds 127.0.0.1:5290 unless told otherwise, and refuses any plain-HTTP address that is not loopback: shares
    /// and tokens must never cross a network unencrypted. HTTPS comes from Kestrel's certificate configuration.
    /// </summary>
    public static WebApplicationBuilder UseSafeUrls(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration["urls"];
        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        if (string.IsNullOrWhiteSpace(configured) && endpoints.Count == 0)
        {
            configured = $"http://127.0.0.1:{DefaultPort}";
            builder.WebHost.UseUrls(configured);
        }

        var urls = (configured ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Concat(endpoints);
        foreach (var url in urls)
        {
            if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(url))
            {
                throw new StartupException(
                    $"refusing to listen on '{url}': plain HTTP is allowed on loopback only.",
                    "configure an https:// URL with a Kestrel certificate (Kestrel:Certificates:Default:Path or Kestrel:Endpoints), or bind 127.0.0.1.");
            }
        }

        return builder;
    }

    private static bool IsLoopback(string url)
    {
        var host = url["http://".Length..].Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>
    /// Creates the keys and the schema, or checks that they exist. SQLite (one node) always does both at start. On
    /// PostgreSQL several nodes share the schema and must share the keys, so only the explicit <c>migrate</c> command
    /// (or <c>serve</c> with MigrateAtStart) creates them; a plain <c>serve</c> refuses to start without them rather
    /// than mint keys of its own that no other node has.
    /// </summary>
    public static void PrepareDataDirectory(this IServiceProvider services, string command)
    {
        var options = services.GetRequiredService<IOptions<ServerOptions>>().Value.Database;
        var creates = options.Provider == DatabaseProvider.Sqlite || options.MigrateAtStart || command == "migrate";
        if (!creates)
        {
            var data = services.GetRequiredService<DataDirectory>();
            var missing = SharedKeyFiles.Where(name => !File.Exists(data.File(name))).ToList();
            if (missing.Count > 0)
            {
                throw new StartupException(
                    $"{string.Join(", ", missing)} missing in {data.Path}.",
                    "run `migrate` once to create the keys, then copy kek.key, audit-signing.key and operator.token to every node's data directory.");
            }
        }

        _ = services.GetRequiredService<Keys.IKeyEncryptionKeyProvider>();
        _ = services.GetRequiredService<AuditSigner>();
        _ = services.GetRequiredService<OperatorToken>();
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SymbolonDbContext>();
        if (creates)
        {
            db.Database.Migrate();
        }
        else if (db.Database.GetPendingMigrations().Any())
        {
            throw new StartupException("the database schema is not up to date.", "run the server's `migrate` command once (docs/operations.md).");
        }

        if (db.Database.IsSqlite())
        {
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        }
    }

    /// <summary>The key files every node of a deployment must share.</summary>
    public static readonly IReadOnlyList<string> SharedKeyFiles = ["kek.key", "audit-signing.key", "operator.token"];

    private static bool IsPostgresConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        try
        {
            return !string.IsNullOrEmpty(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>A start-up problem the operator can fix; printed as "symbolon-server: error:" and "hint:" without a stack trace.</summary>
public sealed class StartupException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}
