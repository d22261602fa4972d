using System.Security.Cryptography;

namespace Symbolon.Crypto;

/// <summary>
/// Fixed-size secret bytes in a pinned array (so the GC never leaves copies behind) that are zeroed on dispose.
/// </summary>
internal sealed class SecretBuffer : IDisposable
{
    private readonly byte[] _bytes;
    private bool _disposed;

    public SecretBuffer(int length)
    {
        _bytes = GC.AllocateArray<byte>(length, pinned: true);
    }

    public SecretBuffer(ReadOnlySpan<byte> source)
        : this(source.Length)
    {
        source.CopyTo(_bytes);
    }

    public int Length => _bytes.Length;

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
        }
    }

    public override string ToString() => $"SecretBuffer({_bytes.Length} bytes, redacted)";
}
