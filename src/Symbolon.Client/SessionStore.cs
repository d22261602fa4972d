using System.Text.Json;

namespace Symbolon.Client;

/// <summary>The persisted login (session.json, mode 0600). Tokens are useless without this device's key.</summary>
internal sealed record SessionState(
    Uri Server,
    string Username,
    Guid UserId,
    Guid DeviceId,
    string? AccessToken,
    string? RefreshToken,
    DateTimeOffset AccessExpiresAt,
    DateTimeOffset LastActivity)
{
    public bool HasTokens => AccessToken is not null && RefreshToken is not null;
}

/// <summary>The vault's identity (vault.json): a random id bound into every item's key, and the remembered server.</summary>
internal sealed record VaultState(Guid VaultId, Uri? Server);

internal static class StateFiles
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static SessionState? ReadSession(ClientHome home) => Read<SessionState>(home.File("session.json"));

    public static void WriteSession(ClientHome home, SessionState? session)
    {
        var path = home.File("session.json");
        if (session is null)
        {
            if (File.Exists(path))
            {
                ClientHome.Delete(path);
            }

            return;
        }

        ClientHome.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(session, Json));
    }

    public static VaultState ReadOrCreateVault(ClientHome home)
    {
        var existing = Read<VaultState>(home.File("vault.json"));
        if (existing is not null)
        {
            return existing;
        }

        var created = new VaultState(Guid.NewGuid(), null);
        WriteVault(home, created);
        return created;
    }

    public static void WriteVault(ClientHome home, VaultState vault) =>
        ClientHome.WriteAtomically(home.File("vault.json"), JsonSerializer.SerializeToUtf8Bytes(vault, Json));

    private static T? Read<T>(string path)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationSymbolonException($"'{path}' is damaged: {exception.Message}", "Remove it and log in again.");
        }
    }
}
