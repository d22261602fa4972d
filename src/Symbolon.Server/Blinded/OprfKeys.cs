// Blinded mode: RFC 9497 POPRF (ristretto255-SHA512) with one key per user and epoch. docs/spec.md §10.
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto.Oprf;
using Symbolon.Server.Audit;
using Symbolon.Server.Keys;
using Symbolon.Server.Sessions;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Blinded;

/// <summary>
/// The accounts' POPRF keys as stored: created per epoch and sealed under the KEK, opened for an evaluation or to show
/// the public key (a damaged one is logged for the operator), destroyed when the epoch is retired.
/// </summary>
public sealed partial class OprfKeys(ShareProtector protector, ILogger<OprfKeys> logger)
{
    /// <summary>The caller's active key of <paramref name="epoch"/>, or null.</summary>
    public static Task<OprfKey?> FindActiveAsync(SessionContext session, int epoch)
    {
        ArgumentNullException.ThrowIfNull(session);
        var userId = session.Caller.UserId;
        return session.Db.OprfKeys.SingleOrDefaultAsync(
            k => k.UserId == userId && k.Epoch == epoch && k.State == UnitVersionState.Active, session.CancellationToken);
    }

    /// <summary>Creates, seals and records the caller's key of <paramref name="epoch"/>; returns it with its public key.</summary>
    public async Task<(OprfKey Key, byte[] PublicKey)> CreateAsync(SessionContext session, int epoch)
    {
        ArgumentNullException.ThrowIfNull(session);
        var caller = session.Caller;
        OprfKey key;
        byte[] publicKey;
        var scalar = new byte[OprfPrivateKey.KeySize];
        using (var privateKey = OprfPrivateKey.Generate(OprfMode.Poprf))
        {
            privateKey.ExportUnsafe(scalar);
            publicKey = privateKey.PublicKey.ToArray();
        }

        try
        {
            key = new OprfKey
            {
                UserId = caller.UserId,
                Epoch = epoch,
                SealedKey = protector.ProtectOprfKey(scalar, caller.UserId, epoch),
                KekId = protector.CurrentKeyId,
                State = UnitVersionState.Active,
                CreatedAt = session.Time.GetUtcNow(),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }

        session.Db.OprfKeys.Add(key);
        await session.Audit.AppendAsync(
            session.Db, AuditEvents.OprfKeyCreated, caller.UserId, caller.Device.Id, unitVersion: key.Epoch, cancellationToken: session.CancellationToken);
        return (key, publicKey);
    }

    /// <summary>Opens a stored key; null (and an error logged) if the row was altered, moved or sealed under another KEK.</summary>
    public OprfPrivateKey? Open(OprfKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> scalar = stackalloc byte[OprfPrivateKey.KeySize];
        try
        {
            if (!protector.TryUnprotectOprfKey(key.KekId, key.SealedKey, key.UserId, key.Epoch, scalar))
            {
                LogDamagedKey(logger, key.UserId, key.Epoch);
                return null;
            }

            return OprfPrivateKey.Import(OprfMode.Poprf, scalar);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>Destroying the sealed bytes is the retirement: without them no KEK can bring the key back.</summary>
    public static void Retire(OprfKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.State = UnitVersionState.Retired;
        key.RetiredAt = now;
        key.SealedKey = [];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored POPRF key of user {UserId} epoch {Epoch} failed its integrity check (tampered row or wrong KEK)")]
    private static partial void LogDamagedKey(ILogger logger, Guid userId, int epoch);
}
