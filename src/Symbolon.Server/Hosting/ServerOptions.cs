using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Symbolon.Server.Hosting;

/// <summary>Everything an operator can set, under the "Symbolon" configuration section. Defaults: docs/operations.md.</summary>
public sealed class ServerOptions
{
    public const string Section = "Symbolon";

    /// <summary>Where the database, KEK, audit key and operator token live. Default: the OS per-user data folder.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Which database holds all state, and how to reach it.</summary>
    public DatabaseOptions Database { get; set; } = new();

    /// <summary>
    /// The externally visible base URL (scheme, host, port) that DPoP proofs name in <c>htu</c>. Leave unset when
    /// clients connect directly; set it behind a TLS-terminating proxy.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    public SessionLifetimeOptions Sessions { get; set; } = new();

    public PasswordOptions Passwords { get; set; } = new();

    public LoginThrottleOptions LoginThrottle { get; set; } = new();

    public DpopOptions Dpop { get; set; } = new();

    public ReleaseLimitOptions Limits { get; set; } = new();

    public OidcOptions Oidc { get; set; } = new();

    public AuditOptions Audit { get; set; } = new();

    /// <summary>Browser origins allowed to call the /v1 API (CORS). None by default.</summary>
    public CrossOriginOptions Cors { get; set; } = new();

    /// <summary>The reference web app served at /app/. Not served by default.</summary>
    public WebAppOptions WebApp { get; set; } = new();

    /// <summary>Reverse proxies whose X-Forwarded-For names the client. None by default: the header is ignored.</summary>
    public ProxyOptions Proxies { get; set; } = new();
}

/// <summary>Reverse proxies in front of the server (docs/operations.md, "Behind a proxy").</summary>
public sealed class ProxyOptions
{
    /// <summary>Proxy addresses ("10.0.0.5", "2001:db8::5") whose X-Forwarded-For is believed.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Proxy networks in CIDR notation ("10.0.0.0/8") whose X-Forwarded-For is believed.</summary>
    public IList<string> KnownNetworks { get; } = [];

    /// <summary>Whether every entry parses.</summary>
    public bool AreValid() =>
        KnownProxies.All(p => IPAddress.TryParse(p, out _)) && KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _));
}

/// <summary>
/// The data annotations of every settings group (Symbolon:Passwords, Symbolon:Sessions, …): ValidateDataAnnotations checks
/// only the top level's own members, so without this an out-of-range Symbolon:Passwords:Passes=0 started a server.
/// </summary>
public sealed class SettingsGroupsValidator : Microsoft.Extensions.Options.IValidateOptions<ServerOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var group in typeof(ServerOptions).GetProperties())
        {
            if (group.PropertyType.Namespace != typeof(ServerOptions).Namespace || !group.PropertyType.IsClass || group.GetValue(options) is not { } value)
            {
                continue;
            }

            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{ServerOptions.Section}:{group.Name}:{string.Join(", ", r.MemberNames)}: {r.ErrorMessage}"));
            }
        }

        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The storage backends; both run the same model, each with its own committed migrations.</summary>
public enum DatabaseProvider
{
    /// <summary>The embedded default: symbolon.db in the data directory, one node.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server shared by any number of nodes.</summary>
    PostgreSql,
}

/// <summary>Where state lives. SQLite migrates at start; PostgreSQL by the explicit <c>migrate</c> command unless told otherwise.</summary>
public sealed class DatabaseOptions
{
    /// <summary>SQLite (the default) or PostgreSQL.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite it overrides the file in the data directory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// PostgreSQL only: apply pending migrations (and create missing key files) when <c>serve</c> starts. Off by default,
    /// because with several nodes one explicit <c>migrate</c> run must create the schema and the keys every node shares.
    /// </summary>
    public bool MigrateAtStart { get; set; }
}

public sealed class SessionLifetimeOptions
{
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A session unused for this long is over; refreshing counts as use. Clients learn it at login and refresh and lock
    /// after it too: the one idle timeout of a deployment.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A session's last use is stored again only once the stored one is this old, so most requests write nothing for
    /// it. An idle session can then end up to this much earlier than <see cref="IdleTimeout"/> after its real last use,
    /// never later; at most half the idle timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UseRecordInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>No session outlives this, however active.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "30.00:00:00")]
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Destructive requests (shredding a unit, confirming a rotation, confirming a blinded-key rotation, revoking a device)
    /// need a session whose password or identity-provider login is at most this old (refreshing does not count).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan RecentLoginWindow { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class PasswordOptions
{
    /// <summary>Argon2id memory in KiB (OWASP's minimum profile: 19 MiB, 2 passes, 1 lane).</summary>
    [Range(64, 4 * 1024 * 1024)]
    public int MemoryKib { get; set; } = 19 * 1024;

    [Range(1, 100)]
    public int Passes { get; set; } = 2;

    [Range(8, MaximumLength)]
    public int MinimumLength { get; set; } = 12;

    /// <summary>The longest account password taken (a bound on the hashing work one request can ask for).</summary>
    public const int MaximumLength = 1024;

    /// <summary>The rule a new account password must meet, as the problem details say it.</summary>
    public string Rule => $"{MinimumLength} to {MaximumLength} characters";

    /// <summary>Whether <paramref name="password"/> meets <see cref="Rule"/>.</summary>
    public bool Accepts(string? password) => password is not null && password.Length >= MinimumLength && password.Length <= MaximumLength;
}

public sealed class LoginThrottleOptions
{
    /// <summary>Failures allowed before back-off starts, per account name and per client address.</summary>
    [Range(1, 1000)]
    public int FreeFailures { get; set; } = 5;

    /// <summary>The first back-off; each further failure doubles it, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Accounts one client address may create per hour.</summary>
    [Range(1, 1_000_000)]
    public int SignUpsPerAddressPerHour { get; set; } = 20;

    /// <summary>Failures older than this (after the last back-off ended) are forgotten.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);
}

public sealed class DpopOptions
{
    /// <summary>How old a proof's <c>iat</c> may be.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How far in the future a proof's <c>iat</c> may be (clock skew).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class ReleaseLimitOptions
{
    [Range(1, 1_000_000)]
    public int DeviceBurst { get; set; } = 20;

    [Range(0.001, 1_000_000)]
    public double DeviceRefillPerMinute { get; set; } = 30;

    [Range(1, 1_000_000)]
    public int UserBurst { get; set; } = 60;

    [Range(0.001, 1_000_000)]
    public double UserRefillPerMinute { get; set; } = 120;

    /// <summary>Distinct units one user may release per rolling hour; breaking it locks the device.</summary>
    [Range(1, 1_000_000)]
    public int DistinctUnitsPerHour { get; set; } = 100;

    /// <summary>Destructive requests (shred, confirm a rotation, retire a blinded key, revoke a device) one user may make in a burst.</summary>
    [Range(1, 1_000_000)]
    public int DestructiveBurst { get; set; } = 50;

    [Range(0.001, 1_000_000)]
    public double DestructiveRefillPerMinute { get; set; } = 30;

    /// <summary>How long a shredded unit stays restorable by its owner before the sweeper destroys its shares.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ShredGracePeriod { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>The audit log's checkpoints (docs/operations.md, "The audit log").</summary>
public sealed class AuditOptions
{
    /// <summary>How often the checkpointer appends new records to the Merkle tree and signs a checkpoint.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Accept JWTs from an external OpenID Connect issuer instead of (or beside) local passwords.</summary>
public sealed class OidcOptions
{
    /// <summary>The issuer (its discovery document supplies the JWKS). Unset: OIDC login is off.</summary>
    public Uri? Authority { get; set; }

    /// <summary>The audience our server must be in; required when <see cref="Authority"/> is set.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Our client id at the issuer: a token that names an authorised party (<c>azp</c>) must name this one. Default: the
    /// <see cref="Audience"/>.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>Only for tests and closed networks: allow an http:// authority.</summary>
    public bool AllowInsecureMetadata { get; set; }

    /// <summary>Disable local password accounts when every login goes through the issuer.</summary>
    public bool DisableLocalAccounts { get; set; }
}

/// <summary>Cross-origin access to the /v1 API for browser clients served from elsewhere (checked by BrowserClientOptionsValidator).</summary>
public sealed class CrossOriginOptions
{
    /// <summary>
    /// Exact origins as browsers send them ("https://app.example.com", "http://127.0.0.1:8080"); http only on loopback.
    /// Empty (the default): no origin but the server's own may call the API from a browser.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}

/// <summary>Serving the built reference web app (clients/web) at /app/.</summary>
public sealed class WebAppOptions
{
    /// <summary>The directory holding the built app (index.html and its assets), relative to the working directory or absolute. Unset: not served.</summary>
    public string? Path { get; set; }
}
