// Server shares at rest: AES-256-GCM under the key-encryption key, associated data binding user, unit and version.
// wrapped = nonce (12) ‖ ciphertext ‖ tag (16). docs/spec.md §6.
using System.Security.Cryptography;
using Symbolon.Crypto;
using Symbolon.Server.Hosting;

namespace Symbolon.Server.Keys;

/// <summary>
/// Where the key-encryption key lives. The server only ever asks it to wrap and unwrap, so an HSM (PKCS#11) or a
/// cloud KMS can implement it without the KEK ever entering this process.
/// </summary>
public interface IKeyEncryptionKeyProvider
{
    /// <summary>The id of the key new wraps use; stored beside every wrapped value.</summary>
    string CurrentKeyId { get; }

    byte[] Wrap(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData);

    /// <summary>Unwraps into <paramref name="plaintext"/>; throws <see cref="CryptographicException"/> on any mismatch.</summary>
    void Unwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData, Span<byte> plaintext);

    /// <summary>Starts a rotation: creates the next key if there is none and returns its id.</summary>
    string PrepareNextKey();

    /// <summary>Wraps under the next key (during a rotation).</summary>
    byte[] WrapWithNext(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData);

    /// <summary>Ends a rotation once nothing is wrapped under the old key: the next key becomes current, the old is destroyed.</summary>
    void PromoteNextKey();
}

/// <summary>
/// The default provider: 32 random bytes in <c>kek.key</c> (mode 0600) in the data directory, created on first run.
/// During a rotation <c>kek.next.key</c> exists too; both are loaded, so a crash at any point loses nothing.
/// </summary>
public sealed class FileKeyEncryptionKeyProvider : IKeyEncryptionKeyProvider, IDisposable
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    private const string CurrentFile = "kek.key";
    private const string NextFile = "kek.next.key";

    private readonly DataDirectory _dataDirectory;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private string _currentKeyId;
    private string? _nextKeyId;

    public FileKeyEncryptionKeyProvider(DataDirectory dataDirectory)
    {
        _dataDirectory = dataDirectory;
        var currentPath = dataDirectory.File(CurrentFile);
        if (!File.Exists(currentPath))
        {
            var fresh = RandomNumberGenerator.GetBytes(32);
            DataDirectory.WriteSecretFile(currentPath, fresh);
            CryptographicOperations.ZeroMemory(fresh);
        }

        _currentKeyId = Load(currentPath);
        if (File.Exists(dataDirectory.File(NextFile)))
        {
            _nextKeyId = Load(dataDirectory.File(NextFile));
        }
    }

    public string CurrentKeyId
    {
        get
        {
            lock (_lock)
            {
                return _currentKeyId;
            }
        }
    }

    public byte[] Wrap(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        lock (_lock)
        {
            return WrapWith(_keys[_currentKeyId], plaintext, associatedData);
        }
    }

    public byte[] WrapWithNext(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        lock (_lock)
        {
            return WrapWith(_keys[_nextKeyId ?? throw new InvalidOperationException("No KEK rotation is in progress.")], plaintext, associatedData);
        }
    }

    public void Unwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        byte[] key;
        lock (_lock)
        {
            if (!_keys.TryGetValue(keyId, out key!))
            {
                throw new CryptographicException("The value was wrapped under a key-encryption key this server does not have.");
            }
        }

        if (wrapped.Length != NonceSize + plaintext.Length + TagSize)
        {
            throw new CryptographicException("The wrapped value has the wrong length.");
        }

        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(wrapped[..NonceSize], wrapped[NonceSize..^TagSize], wrapped[^TagSize..], plaintext, associatedData);
    }

    public string PrepareNextKey()
    {
        lock (_lock)
        {
            if (_nextKeyId is null)
            {
                var fresh = RandomNumberGenerator.GetBytes(32);
                DataDirectory.WriteSecretFile(_dataDirectory.File(NextFile), fresh);
                CryptographicOperations.ZeroMemory(fresh);
                _nextKeyId = Load(_dataDirectory.File(NextFile));
            }

            return _nextKeyId;
        }
    }

    public void PromoteNextKey()
    {
        lock (_lock)
        {
            if (_nextKeyId is null)
            {
                throw new InvalidOperationException("No KEK rotation is in progress.");
            }

            // Overwrite the old key's file before replacing it, so the old KEK does not linger in free blocks of a
            // plain file system (best effort: journaling and SSDs may keep copies; see docs/operations.md).
            var currentPath = _dataDirectory.File(CurrentFile);
            var oldKey = _keys[_currentKeyId];
            File.WriteAllBytes(currentPath, new byte[oldKey.Length]);
            File.Move(_dataDirectory.File(NextFile), currentPath, overwrite: true);
            CryptographicOperations.ZeroMemory(oldKey);
            _keys.Remove(_currentKeyId);
            _currentKeyId = _nextKeyId;
            _nextKeyId = null;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var key in _keys.Values)
            {
                CryptographicOperations.ZeroMemory(key);
            }

            _keys.Clear();
        }
    }

    public override string ToString() => $"FileKeyEncryptionKeyProvider(current: {CurrentKeyId})";

    private static byte[] WrapWith(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var wrapped = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(wrapped.AsSpan(0, NonceSize), plaintext, wrapped.AsSpan(NonceSize, plaintext.Length), wrapped.AsSpan(NonceSize + plaintext.Length), associatedData);
        return wrapped;
    }

    /// <summary>Loads a key file; its id is a public fingerprint (8 bytes of a labelled SHA-256), not the key.</summary>
    private string Load(string path)
    {
        var key = File.ReadAllBytes(path);
        if (key.Length != 32)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidOperationException($"The key-encryption key file '{path}' must hold exactly 32 bytes.");
        }

        Span<byte> fingerprint = stackalloc byte[32];
        SHA256.HashData([.. System.Text.Encoding.ASCII.GetBytes(Labels.KeyEncryptionKeyId), .. key], fingerprint);
        var id = "file:" + Convert.ToHexStringLower(fingerprint[..8]);
        _keys[id] = key;
        return id;
    }
}
