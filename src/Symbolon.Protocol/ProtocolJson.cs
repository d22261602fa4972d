using System.Text.Json;
using System.Text.Json.Serialization;

namespace Symbolon.Protocol;

/// <summary>
/// The wire's JSON: web defaults (camelCase), byte strings as base64, strict about the contract: numbers are JSON
/// numbers (never strings), a member that is not optional must be present, and a member that is not nullable must not
/// be null. Source-generated, so neither side serialises by reflection. Metadata only: the generated fast path wrote a
/// null byte[] as "" instead of null (a null <see cref="ShareRequest.Share"/> would then be refused as a 0-byte share,
/// and a null <see cref="ShareResponse.Share"/> sent as one), and streaming serialisation switches to it after a few
/// calls; ProtocolJsonTests holds this.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    GenerationMode = JsonSourceGenerationMode.Metadata,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(CreateAccountRequest))]
[JsonSerializable(typeof(CreateAccountResponse))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(AccountSettings))]
[JsonSerializable(typeof(DeviceView))]
[JsonSerializable(typeof(DeviceView[]))]
[JsonSerializable(typeof(EnrolDeviceRequest))]
[JsonSerializable(typeof(ShareRequest))]
[JsonSerializable(typeof(ShareResponse))]
[JsonSerializable(typeof(ReleaseRequest))]
[JsonSerializable(typeof(ReleaseResponse))]
[JsonSerializable(typeof(ConfirmRequest))]
[JsonSerializable(typeof(UseManyRequest))]
[JsonSerializable(typeof(UseManyResponse))]
[JsonSerializable(typeof(UnitView))]
[JsonSerializable(typeof(UnitView[]))]
[JsonSerializable(typeof(OprfKeyResponse))]
[JsonSerializable(typeof(EpochRequest))]
[JsonSerializable(typeof(EvaluateRequest))]
[JsonSerializable(typeof(EvaluateResponse))]
[JsonSerializable(typeof(OprfConfirmResponse))]
[JsonSerializable(typeof(AuditRecordView))]
[JsonSerializable(typeof(AuditRecordView[]))]
[JsonSerializable(typeof(AuditKeyView))]
[JsonSerializable(typeof(AuditVerification))]
[JsonSerializable(typeof(CheckpointView))]
[JsonSerializable(typeof(CheckpointView[]))]
[JsonSerializable(typeof(ConsistencyProofView))]
[JsonSerializable(typeof(InclusionProofView))]
[JsonSerializable(typeof(Problem))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Makes <paramref name="options"/> (e.g. ASP.NET Core's HTTP JSON options) read and write the protocol's records
    /// exactly as <see cref="Default"/> does.
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TypeInfoResolverChain.Insert(0, Default);
        options.NumberHandling = JsonNumberHandling.Strict;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
    }
}
