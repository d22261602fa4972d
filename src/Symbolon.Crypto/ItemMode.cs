namespace Symbolon.Crypto;

/// <summary>Where a unit's server share comes from. The byte values are part of the sealed-item format.</summary>
public enum ItemMode : byte
{
    /// <summary>One random share per unit, released by a single key server.</summary>
    Split = 1,

    /// <summary>The server secret is reconstructed from t-of-n Shamir shares held by independent key servers.</summary>
    Threshold = 2,

    /// <summary>The server share is an oblivious PRF output (RFC 9497) evaluated by the key server.</summary>
    Blinded = 3,
}
