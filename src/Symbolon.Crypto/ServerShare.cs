using System.Security.Cryptography;

namespace Symbolon.Crypto;

/// <summary>
/// One unit's server share (32 bytes): random in split mode, reconstructed from Shamir shares in threshold mode,
/// an OPRF output in blinded mode. The key server keeps it; the client holds it only long enough to derive the
/// data key. Zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class ServerShare : IDisposable
{
    /// <summary>Size of a server share in bytes.</summary>
    public const int ShareSize = 32;

    private ServerShare(SecretBuffer share) => Secret = share;

    internal SecretBuffer Secret { get; }

    /// <summary>Draws a new share from the operating system's CSPRNG (what the key server does per unit).</summary>
    public static ServerShare Generate()
    {
        var share = new SecretBuffer(ShareSize);
        RandomNumberGenerator.Fill(share.Span);
        return new ServerShare(share);
    }

    /// <summary>Wraps share bytes received from a key server. The caller should wipe its copy afterwards.</summary>
    /// <param name="share">Exactly <see cref="ShareSize"/> bytes.</param>
    public static ServerShare Import(ReadOnlySpan<byte> share)
    {
        Guard.Length(share, ShareSize, nameof(share));
        return new ServerShare(new SecretBuffer(share));
    }

    /// <summary>Copies the raw share out (to send it, or to split it). The caller owns the copy and must wipe it.</summary>
    /// <param name="destination">Exactly <see cref="ShareSize"/> bytes.</param>
    public void ExportUnsafe(Span<byte> destination)
    {
        Guard.Length(destination, ShareSize, nameof(destination));
        Secret.Span.CopyTo(destination);
    }

    /// <summary>Zeroes the share.</summary>
    public void Dispose() => Secret.Dispose();

    /// <inheritdoc />
    public override string ToString() => "ServerShare(redacted)";
}
