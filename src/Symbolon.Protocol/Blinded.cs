namespace Symbolon.Protocol;

/// <summary>The public key of the account's POPRF key for one epoch (RFC 9497 ristretto255-SHA512, 32 bytes).</summary>
public sealed record OprfKeyResponse(int Epoch, byte[] PublicKey);

/// <summary>Names a key epoch.</summary>
public sealed record EpochRequest(int Epoch);

/// <summary>One blinded element (a canonical, non-identity ristretto255 element, 32 bytes) to evaluate under an epoch.</summary>
public sealed record EvaluateRequest(byte[] BlindedElement, int Epoch);

/// <summary>The evaluated element, its DLEQ proof (64 bytes) and the signed receipt of the evaluation's audit record.</summary>
public sealed record EvaluateResponse(Guid UnitId, int Epoch, byte[] EvaluatedElement, byte[] Proof, ReceiptView Receipt);

/// <summary>
/// What a key confirm did: the epochs retired now, and how many of the account's blinded units (items of other
/// devices or homes) have not been evaluated under the confirmed epoch yet; while any remain, older keys are kept.
/// </summary>
public sealed record OprfConfirmResponse(IReadOnlyList<int> Retired, int PendingUnits);
