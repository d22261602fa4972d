namespace Symbolon.Crypto;

/// <summary>
/// Every domain-separation label Symbolon feeds into a derivation. Each appears verbatim in docs/spec.md, and a
/// test holds the two together. A label names its format version, so a v2 derivation can never collide with v1.
/// </summary>
public static class Labels
{
    /// <summary>HKDF-SHA256 info prefix for a unit's client share, derived from the device root key.</summary>
    public const string ClientShare = "symbolon.dev/v1/client-share";

    /// <summary>HKDF-SHA256 info prefix for a unit's data-encryption key, combined from both shares.</summary>
    public const string DataKey = "symbolon.dev/v1/data-key";

    /// <summary>The four magic bytes that open every sealed item, in ASCII.</summary>
    public const string SealedItemMagic = "SYMI";
}
