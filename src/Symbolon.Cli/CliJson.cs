using System.Text.Json;
using System.Text.Json.Serialization;
using Symbolon.Client;
using Symbolon.Crypto;

namespace Symbolon.Cli;

/// <summary>
/// Every `--json` answer: web defaults (camelCase), indented, enums as lower-case words ("split", "threshold") as the
/// text output writes them. Source-generated: the CLI is a Native AOT binary and serialises nothing by reflection, so
/// each answer is a named type listed here (an anonymous type would not compile into <see cref="Cli.Report{T}(bool, T, System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}, string)"/>).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, Converters = [typeof(ItemModeAsWord)])]
[JsonSerializable(typeof(ItemInfo))]
[JsonSerializable(typeof(IReadOnlyList<ItemInfo>))]
[JsonSerializable(typeof(SessionStatus))]
[JsonSerializable(typeof(AuditCheckResult))]
[JsonSerializable(typeof(IReadOnlyList<AuditEntry>))]
[JsonSerializable(typeof(IReadOnlyList<DeviceInfo>))]
[JsonSerializable(typeof(ServerSet))]
[JsonSerializable(typeof(IReadOnlyList<ServerSet>))]
[JsonSerializable(typeof(Dictionary<string, string?>))]
[JsonSerializable(typeof(AccountCreated))]
[JsonSerializable(typeof(NewPassword))]
[JsonSerializable(typeof(NewPassphrase))]
[JsonSerializable(typeof(DeviceApprovalSetting))]
[JsonSerializable(typeof(LoggedOut))]
[JsonSerializable(typeof(LoggedOutEverywhere))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(DeviceRevoked))]
[JsonSerializable(typeof(DeviceApproved))]
[JsonSerializable(typeof(ItemRemoved))]
[JsonSerializable(typeof(ItemRestored))]
[JsonSerializable(typeof(ServerKeyRotated))]
[JsonSerializable(typeof(ItemsRotated))]
[JsonSerializable(typeof(ItemRotated))]
[JsonSerializable(typeof(Commands.TotpCode))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary><see cref="ItemMode"/> as a camelCase word.</summary>
internal sealed class ItemModeAsWord() : JsonStringEnumConverter<ItemMode>(JsonNamingPolicy.CamelCase);

internal sealed record AccountCreated(string Created, Uri Server);

internal sealed record NewPassword(bool PasswordChanged, bool OtherDevicesRevoked);

internal sealed record NewPassphrase(bool SecretsProtected, bool WasProtected);

internal sealed record DeviceApprovalSetting(bool RequireDeviceApproval);

internal sealed record LoggedOut(bool LoggedIn);

internal sealed record LoggedOutEverywhere(bool LoggedIn, bool Everywhere);

internal sealed record StatusReport(bool LoggedIn, Uri? Server, string? Username, Guid? DeviceId, DateTimeOffset? LocksAt, int Items, string Home);

internal sealed record DeviceRevoked(Guid Revoked);

internal sealed record DeviceApproved(Guid Approved);

internal sealed record ItemRemoved(string Removed, bool Restorable);

internal sealed record ItemRestored(string Restored);

internal sealed record ServerKeyRotated(bool RotatedServerKey, int Items);

/// <summary>`rotate` of every item: how many.</summary>
internal sealed record ItemsRotated(int Rotated);

/// <summary>`rotate NAME`: the one item's name, in a list like a bulk answer's would be.</summary>
internal sealed record ItemRotated(IReadOnlyList<string> Rotated);
