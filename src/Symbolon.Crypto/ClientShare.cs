namespace Symbolon.Crypto;

/// <summary>
/// One unit's client share (32 bytes), derived from the <see cref="ClientRootKey"/>. Alone it reveals nothing about
/// the unit's data key. Zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class ClientShare : IDisposable
{
    /// <summary>Size of a client share in bytes.</summary>
    internal const int ShareSize = 32;

    internal ClientShare(SecretBuffer share) => Secret = share;

    internal SecretBuffer Secret { get; }

    /// <summary>Zeroes the share.</summary>
    public void Dispose() => Secret.Dispose();

    /// <inheritdoc />
    public override string ToString() => "ClientShare(redacted)";
}
