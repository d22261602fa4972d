using System.Text.Json;
using Symbolon.Client.Sessions;
using Symbolon.Protocol;

namespace Symbolon.Client;

/// <summary>
/// Every device enrolled on the account is announced once to each of its other devices, so a login with a leaked
/// password does not go unseen: the device list's enrolment times say which devices came after this one, and a file
/// per server (announced-&lt;hash&gt;.json, the ids already announced) says which were shown.
/// </summary>
internal static class DeviceAnnouncements
{
    public static DeviceInfo Info(DeviceView d) => new(d.Id, d.Name, d.Thumbprint, d.CreatedAt, d.RevokedAt, d.LockedAt, d.Current, d.PendingApproval);

    public static async Task<IReadOnlyList<DeviceInfo>> TakeNewAsync(VaultContext vault, CancellationToken cancellationToken)
    {
        if (vault.State.Server is not { } server || !vault.Server(server).UsedSession)
        {
            return [];
        }

        var devices = await vault.Server(server).DevicesAsync(cancellationToken);
        if (devices.FirstOrDefault(d => d.Current) is not { } current)
        {
            return [];
        }

        using var vaultLock = SessionLock.AcquireVault(vault.Home);
        var path = StateFiles.PerServerPath(vault.Home, "announced", server);
        var announced = Read(path);
        var fresh = devices.Where(d => !d.Current && d.CreatedAt >= current.CreatedAt && !announced.Contains(d.Id)).Select(Info).ToList();
        if (fresh.Count > 0)
        {
            announced.UnionWith(fresh.Select(d => d.Id));
            ClientHome.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(announced, ClientLineJson.Default.HashSetGuid));
        }

        return fresh;
    }

    /// <summary>The ids already announced; a damaged file counts as none (announcing twice beats announcing never).</summary>
    private static HashSet<Guid> Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ClientLineJson.Default.HashSetGuid) ?? [] : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
