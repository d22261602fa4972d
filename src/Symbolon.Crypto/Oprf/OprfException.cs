using System.Security.Cryptography;

namespace Symbolon.Crypto.Oprf;

/// <summary>The RFC 9497 errors, named as the RFC names them (DeserializeError, InvalidInputError, …).</summary>
public enum OprfError
{
    /// <summary>DeserializeError: a received element is not a canonical encoding or is the identity, a scalar is not
    /// below the group order, or a message has the wrong shape.</summary>
    Deserialize,

    /// <summary>InvalidInputError: the input (or, in POPRF, the info with the public key) maps to the identity.</summary>
    InvalidInput,

    /// <summary>VerifyError: the server's proof does not hold for its key and the blinded inputs.</summary>
    Verify,

    /// <summary>InverseError: in POPRF, the private key plus the info's scalar is zero.</summary>
    Inverse,

    /// <summary>DeriveKeyPairError: no counter from 0 to 255 gave a nonzero private key.</summary>
    DeriveKeyPair,
}

/// <summary>
/// An RFC 9497 protocol failure. Each <see cref="OprfError"/> has one fixed message that names no secret.
/// </summary>
public sealed class OprfException : CryptographicException
{
    private OprfException(OprfError error)
        : base(MessageOf(error)) => Error = error;

    /// <summary>Which RFC 9497 error this is.</summary>
    public OprfError Error { get; }

    internal static OprfException Create(OprfError error) => new(error);

    private static string MessageOf(OprfError error) => error switch
    {
        OprfError.Deserialize => "An OPRF message could not be decoded: it holds an invalid ristretto255 element or scalar, or has the wrong shape.",
        OprfError.InvalidInput => "The OPRF input (or, in POPRF, the info) maps to the identity element and cannot be used.",
        OprfError.Verify => "The OPRF evaluation could not be verified: the proof does not match the server's key and the blinded inputs.",
        OprfError.Inverse => "The POPRF key and info give a zero scalar, which has no inverse.",
        OprfError.DeriveKeyPair => "No OPRF key pair could be derived from this seed and info; use another seed.",
        _ => throw new ArgumentOutOfRangeException(nameof(error)),
    };
}
