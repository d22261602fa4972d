using System.Diagnostics.CodeAnalysis;

namespace Symbolon.Crypto.Dpop;

/// <summary>
/// The outcome of <see cref="DpopProofValidator.Validate"/>: on success, who signed the proof and what the server
/// needs for replay detection; on failure, only the reason.
/// </summary>
public sealed class DpopValidationResult
{
    private DpopValidationResult(DpopFailure failure, DevicePublicKey? publicKey, string? jti, DateTimeOffset issuedAt)
    {
        Failure = failure;
        PublicKey = publicKey;
        Thumbprint = publicKey?.Thumbprint;
        Jti = jti;
        IssuedAt = issuedAt;
    }

    /// <summary>Whether every check passed. The proof's <c>jti</c> must still be checked against those already seen.</summary>
    [MemberNotNullWhen(true, nameof(PublicKey), nameof(Thumbprint), nameof(Jti))]
    public bool IsValid => Failure == DpopFailure.None;

    /// <summary>Which check failed, or <see cref="DpopFailure.None"/>. Log it; never send it to the client.</summary>
    public DpopFailure Failure { get; }

    /// <summary>On success, the proof's public key: the device key a login enrols.</summary>
    public DevicePublicKey? PublicKey { get; }

    /// <summary>On success, the RFC 7638 thumbprint of the proof's key, to compare with the enrolled device's.</summary>
    public string? Thumbprint { get; }

    /// <summary>On success, the proof's unique identifier (1 to 64 characters), for the server's replay store.</summary>
    public string? Jti { get; }

    /// <summary>On success, the proof's <c>iat</c>; the replay store must remember the <see cref="Jti"/> until
    /// this time plus the validator's maximum age.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <inheritdoc />
    public override string ToString() => IsValid ? $"DpopValidationResult(valid, {Thumbprint})" : $"DpopValidationResult({Failure})";

    internal static DpopValidationResult Success(DevicePublicKey publicKey, string jti, DateTimeOffset issuedAt) =>
        new(DpopFailure.None, publicKey, jti, issuedAt);

    internal static DpopValidationResult Fail(DpopFailure failure) => new(failure, null, null, default);
}
