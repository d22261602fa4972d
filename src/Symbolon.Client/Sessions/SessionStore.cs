using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Symbolon.Crypto;

namespace Symbolon.Client.Sessions;

/// <summary>
/// The persisted login on one key server (session-&lt;server hash&gt;.json, mode 0600): one per server, so a device can
/// be logged in to every member of a threshold set at once. Tokens are useless without this device's key.
/// </summary>
internal sealed record SessionState(
    Uri Server,
    string Username,
    Guid UserId,
    Guid DeviceId,
    string? AccessToken,
    string? RefreshToken,
    DateTimeOffset AccessExpiresAt,
    DateTimeOffset LastActivity,
    int IdleTimeoutSeconds = 0,
    byte[]? WrappedTokens = null)
{
    /// <summary>What a session file from before the server named its idle timeout locks after (the server's old default was longer).</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The server's idle timeout, learned at login and refresh.</summary>
    public TimeSpan IdleTimeout => IdleTimeoutSeconds > 0 ? TimeSpan.FromSeconds(IdleTimeoutSeconds) : DefaultIdleTimeout;

    [MemberNotNullWhen(true, nameof(AccessToken), nameof(RefreshToken))]
    public bool HasTokens => AccessToken is not null && RefreshToken is not null;

    /// <summary>Never shows the tokens: only whether they are held.</summary>
    public override string ToString() =>
        $"SessionState {{ Server = {Server}, Username = {Username}, UserId = {UserId}, DeviceId = {DeviceId}, HasTokens = {HasTokens}, " +
        $"AccessExpiresAt = {AccessExpiresAt:O}, LastActivity = {LastActivity:O} }}";
}

/// <summary>
/// The vault's identity (vault.json): a random id bound into every item's key, the default server (the last one
/// logged in to, where split-mode items are added) and the defined threshold server sets. <see cref="ItemMacTag"/>
/// records, authenticated, that every item file carries its MAC (docs/spec.md §3.1); from then on one without is
/// tampered. <see cref="ItemMacs"/> is the unauthenticated number 1 an unreleased development version wrote instead;
/// it is read only to be replaced by the tag.
/// </summary>
internal sealed record VaultState(
    Guid VaultId, Uri? Server, IReadOnlyList<ServerSet>? Sets = null, IReadOnlyList<PinnedOprfKey>? OprfKeys = null, IReadOnlyList<PinnedAuditLog>? AuditLogs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ItemMacs = null,
    byte[]? ItemMacTag = null);

/// <summary>
/// A key server's audit key, pinned the first time `audit --check` ran against it, and the newest checkpoint of its
/// audit log this device has verified: a later check needs the same key and a log that grew consistently from here.
/// </summary>
internal sealed record PinnedAuditLog(Uri Server, string KeyX, string KeyY, long TreeSize, byte[] RootHash);

/// <summary>
/// A key server's blinded-mode public key for one account and epoch, pinned the first time it was seen: every later
/// proof is checked against it, so a server that starts evaluating with another key is refused.
/// </summary>
internal sealed record PinnedOprfKey(Uri Server, Guid UserId, int Epoch, byte[] PublicKey);

internal static class StateFiles
{
    public static SessionState? ReadSession(ClientHome home, Uri server, LocalSecrets? secrets) => Unwrapped(Read(SessionPath(home, server), ClientFileJson.Default.SessionState), secrets);

    /// <summary>Every server this home holds a session file for.</summary>
    public static IReadOnlyList<SessionState> AllSessions(ClientHome home, LocalSecrets? secrets) =>
        [.. Directory.EnumerateFiles(home.Path, "session-*.json").Select(path => Unwrapped(Read(path, ClientFileJson.Default.SessionState), secrets)).OfType<SessionState>()];

    /// <summary>Writes the session; in a passphrase-protected home its tokens only wrapped (<see cref="LocalSecrets"/>).</summary>
    public static void WriteSession(ClientHome home, Uri server, SessionState? session, LocalSecrets? secrets)
    {
        var path = SessionPath(home, server);
        if (session is null)
        {
            if (File.Exists(path))
            {
                ClientHome.Delete(path);
            }

            return;
        }

        if (secrets is { Protected: true } && session.HasTokens)
        {
            var tokens = Encoding.UTF8.GetBytes(session.AccessToken + "\n" + session.RefreshToken);
            try
            {
                session = session with { AccessToken = null, RefreshToken = null, WrappedTokens = secrets.Wrap(TokensPurpose(server), tokens) };
            }
            finally
            {
                CryptographicOperations.ZeroMemory(tokens);
            }
        }

        ClientHome.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(session, ClientFileJson.Default.SessionState));
    }

    /// <summary>
    /// The session with its wrapped tokens opened; tokens that do not open (no passphrase, another directory's key, a
    /// file moved from another server's name) are no tokens: not logged in.
    /// </summary>
    private static SessionState? Unwrapped(SessionState? session, LocalSecrets? secrets)
    {
        if (session?.WrappedTokens is not { } wrapped)
        {
            return session;
        }

        var tokens = secrets?.TryUnwrap(TokensPurpose(session.Server), wrapped);
        if (tokens is null)
        {
            return session with { AccessToken = null, RefreshToken = null, WrappedTokens = null };
        }

        try
        {
            var text = Encoding.UTF8.GetString(tokens);
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            return newline < 0
                ? session with { AccessToken = null, RefreshToken = null, WrappedTokens = null }
                : session with { AccessToken = text[..newline], RefreshToken = text[(newline + 1)..], WrappedTokens = null };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tokens);
        }
    }

    private static string TokensPurpose(Uri server) => Labels.SessionTokensWrap + server.AbsoluteUri;

    /// <summary>Moves a session.json written by a client from before per-server sessions to its per-server file.</summary>
    public static void MigrateLegacySession(ClientHome home, LocalSecrets secrets)
    {
        var legacy = home.File("session.json");
        if (Read(legacy, ClientFileJson.Default.SessionState) is { } session)
        {
            WriteSession(home, session.Server, session, secrets);
            ClientHome.Delete(legacy);
        }
    }

    public static VaultState ReadOrCreateVault(ClientHome home)
    {
        var existing = Read(home.File("vault.json"), ClientFileJson.Default.VaultState);
        if (existing is not null)
        {
            return existing;
        }

        // No itemMacTag yet: it needs the root key, and the vault context writes it (there is no item to sign).
        var created = new VaultState(Guid.NewGuid(), null);
        WriteVault(home, created);
        return created;
    }

    public static void WriteVault(ClientHome home, VaultState vault) =>
        ClientHome.WriteAtomically(home.File("vault.json"), JsonSerializer.SerializeToUtf8Bytes(vault, ClientFileJson.Default.VaultState));

    public static string SessionPath(ClientHome home, Uri server) => PerServerPath(home, "session", server);

    /// <summary>This home's file <paramref name="prefix"/>-&lt;hash of the server URL&gt;.json: one per server.</summary>
    public static string PerServerPath(ClientHome home, string prefix, Uri server)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(server.AbsoluteUri));
        return home.File($"{prefix}-{Convert.ToHexStringLower(hash, 0, 8)}.json");
    }

    private static T? Read<T>(string path, JsonTypeInfo<T> type)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), type);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationSymbolonException($"'{path}' is damaged: {exception.Message}", "Remove it and log in again.", exception);
        }
    }
}
