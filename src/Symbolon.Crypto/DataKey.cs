namespace Symbolon.Crypto;

/// <summary>
/// A unit's data-encryption key, bound to its <see cref="ItemContext"/>. It exists only between deriving it from
/// both shares and sealing or opening one item; dispose it straight after. It cannot be exported.
/// </summary>
public sealed class DataKey : IDisposable
{
    /// <summary>Size of the AES-256-GCM key in bytes.</summary>
    internal const int KeySize = 32;

    internal DataKey(SecretBuffer key, ItemContext context)
    {
        Secret = key;
        Context = context;
    }

    /// <summary>The vault, unit, key version and mode this key was derived for.</summary>
    public ItemContext Context { get; }

    internal SecretBuffer Secret { get; }

    /// <summary>
    /// Combines both shares into the data key:
    /// <c>HKDF-SHA256(ikm = client share ‖ server share, salt = "", info = "symbolon.dev/v1/data-key" ‖ vault id ‖
    /// unit id ‖ key version ‖ mode, L = 32)</c>. Either share alone reveals nothing about the result.
    /// </summary>
    public static DataKey Derive(ClientShare clientShare, ServerShare serverShare, ItemContext context)
    {
        ArgumentNullException.ThrowIfNull(clientShare);
        ArgumentNullException.ThrowIfNull(serverShare);
        if (context.KeyVersion == 0)
        {
            throw new ArgumentException("`context` must be created with the ItemContext constructor.", nameof(context));
        }

        return KeyDerivation.DeriveDataKey(clientShare.Secret.Span, serverShare.Secret.Span, context);
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose() => Secret.Dispose();

    /// <inheritdoc />
    public override string ToString() => "DataKey(redacted)";
}
