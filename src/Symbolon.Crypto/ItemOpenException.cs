using System.Security.Cryptography;

namespace Symbolon.Crypto;

/// <summary>
/// The only failure <see cref="SealedItem.Open"/> reports: the item is malformed, was tampered with, or the key does
/// not belong to it. The message is deliberately the same in every case so that no caller learns which check failed.
/// </summary>
public sealed class ItemOpenException : CryptographicException
{
    internal const string FixedMessage = "The item could not be opened: it is damaged, was altered, or the key does not match it.";

    /// <summary>Creates the exception with the fixed message.</summary>
    public ItemOpenException()
        : base(FixedMessage)
    {
    }

    /// <summary>Kept for the standard exception constructors; the message argument is ignored.</summary>
    public ItemOpenException(string message)
        : base(FixedMessage)
    {
        _ = message;
    }

    /// <summary>Kept for the standard exception constructors; the message argument is ignored.</summary>
    public ItemOpenException(string message, Exception innerException)
        : base(FixedMessage, innerException)
    {
        _ = message;
    }
}
