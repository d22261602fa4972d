using System.Text.Json;
using System.Text.Json.Serialization;
using Symbolon.Client.Items;
using Symbolon.Client.Sessions;

namespace Symbolon.Client;

/// <summary>
/// The client directory's JSON files (items/*.json, session-*.json, vault.json): web defaults, indented for a person
/// reading them. Source-generated, so the SDK serialises nothing by reflection (the CLI is a Native AOT binary).
/// Metadata only, as <see cref="Protocol.ProtocolJsonContext"/> and for the same reason: the generated fast path writes a
/// null byte[] as "" instead of null.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(StoredItem))]
[JsonSerializable(typeof(SessionState))]
[JsonSerializable(typeof(VaultState))]
internal sealed partial class ClientFileJson : JsonSerializerContext;

/// <summary>The client directory's one-line JSON: receipts.jsonl's lines and announced-*.json.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(StoredReceipt))]
[JsonSerializable(typeof(HashSet<Guid>))]
internal sealed partial class ClientLineJson : JsonSerializerContext;
