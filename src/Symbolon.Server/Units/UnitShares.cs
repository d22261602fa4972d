using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Symbolon.Crypto;
using Symbolon.Server.Keys;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Units;

/// <summary>
/// The server shares of units as stored: each version's share sealed under the KEK, opened for a release (a damaged one
/// is logged for the operator), destroyed when the version is retired.
/// </summary>
public sealed partial class UnitShares(ShareProtector protector, ILogger<UnitShares> logger)
{
    /// <summary>
    /// Adds <paramref name="version"/> of <paramref name="unit"/> with a fresh share drawn by the CSPRNG, or the one the
    /// client <paramref name="supplied"/>; returns the share.
    /// </summary>
    public byte[] AddVersion(SymbolonDbContext db, Unit unit, int version, DateTimeOffset now, byte[]? supplied)
    {
        var share = supplied ?? RandomNumberGenerator.GetBytes(ServerShare.ShareSize);
        db.UnitVersions.Add(new UnitVersion
        {
            UnitId = unit.Id,
            Version = version,
            SealedShare = protector.Protect(share, unit.UserId, unit.Id, version),
            KekId = protector.CurrentKeyId,
            State = UnitVersionState.Active,
            CreatedAt = now,
        });
        return share;
    }

    /// <summary>
    /// The caller's live share unit's active version <paramref name="version"/> (or its current one), in one query on
    /// the request's open connection, not tracked: the version used (the one asked for, without such a unit) and its
    /// row (null without such a unit or active version).
    /// </summary>
    public static async Task<(int? Used, UnitVersion? Version)> FindForReleaseAsync(
        SymbolonDbContext db, Guid userId, Guid unitId, int? version, CancellationToken cancellationToken)
    {
        var reads = SqlSet.Reads(db);
        var command = reads.Command(
            $"""
            SELECT u."CurrentVersion", v."Version", v."SealedShare", v."KekId"
            FROM "Units" AS u
            LEFT JOIN "UnitVersions" AS v
                ON v."UnitId" = u."Id" AND v."Version" = COALESCE(@version, u."CurrentVersion") AND v."State" = {(int)UnitVersionState.Active}
            WHERE u."Id" = @unit AND u."UserId" = @user AND u."ShreddedAt" IS NULL AND u."Kind" = {(int)UnitKind.Share}
            """,
            ("version", version),
            ("unit", reads.Id(unitId)),
            ("user", reads.Id(userId)));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (version, null);
            }

            var used = version ?? reader.GetInt32(0);
            return reader.IsDBNull(1)
                ? (used, null)
                : (used, new UnitVersion
                {
                    UnitId = unitId,
                    Version = reader.GetInt32(1),
                    SealedShare = (byte[])reader.GetValue(2),
                    KekId = reader.GetString(3),
                    State = UnitVersionState.Active,
                });
        }
        finally
        {
            reads.Release(command);
        }
    }

    /// <summary>The active version <paramref name="version"/> of <paramref name="unit"/>, or null.</summary>
    public static Task<UnitVersion?> FindActiveAsync(SymbolonDbContext db, Unit unit, int version, CancellationToken cancellationToken) =>
        db.UnitVersions.SingleOrDefaultAsync(v => v.UnitId == unit.Id && v.Version == version && v.State == UnitVersionState.Active, cancellationToken);

    /// <summary>Opens a stored share; false (and an error logged) if the row was altered, moved or sealed under another KEK.</summary>
    public bool TryOpen(Guid userId, UnitVersion version, out byte[] share)
    {
        share = new byte[ServerShare.ShareSize];
        if (protector.TryUnprotect(version.KekId, version.SealedShare, userId, version.UnitId, version.Version, share))
        {
            return true;
        }

        LogDamagedShare(logger, version.UnitId, version.Version);
        return false;
    }

    /// <summary>Destroying the sealed bytes is the shred: without them no KEK can bring the share back.</summary>
    public static void Retire(UnitVersion version, DateTimeOffset now)
    {
        version.State = UnitVersionState.Retired;
        version.RetiredAt = now;
        version.SealedShare = [];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored share of unit {UnitId} version {Version} failed its integrity check (tampered row or wrong KEK)")]
    private static partial void LogDamagedShare(ILogger logger, Guid unitId, int version);
}
