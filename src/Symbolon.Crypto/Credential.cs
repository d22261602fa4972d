using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>
/// One vendor credential: a username, a password, and optionally a URL, notes and named extra fields.
/// The password, notes and field values are kept as UTF-8 in pinned memory and zeroed on <see cref="Dispose"/>;
/// reading them as a string needs a <c>Reveal…</c> call, which is easy to find in review. The username, URL and
/// field names are treated as metadata and kept as ordinary strings.
/// </summary>
public sealed class Credential : IDisposable
{
    /// <summary>Longest extra-field name, in characters.</summary>
    public const int MaxFieldNameLength = 64;

    /// <summary>Names that address the built-in parts and so cannot name an extra field.</summary>
    public static readonly IReadOnlyList<string> ReservedNames = ["username", "password", "url", "notes"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SecretBuffer _password;
    private readonly SecretBuffer? _notes;
    private readonly SortedDictionary<string, SecretBuffer> _fields;
    private bool _disposed;

    /// <summary>Creates a credential. Empty <paramref name="url"/> and <paramref name="notes"/> mean absent.</summary>
    /// <param name="username">The account name at the vendor.</param>
    /// <param name="password">The secret; the caller should wipe its own copy afterwards.</param>
    /// <param name="url">The vendor portal's address, if any.</param>
    /// <param name="notes">Free text, treated as secret.</param>
    /// <param name="fields">Extra named secrets (API keys, TOTP seeds…). Names: 1–64 of A–Z a–z 0–9 _ -,
    /// not one of <see cref="ReservedNames"/>.</param>
    public Credential(
        string username,
        ReadOnlySpan<char> password,
        string? url = null,
        ReadOnlySpan<char> notes = default,
        IReadOnlyDictionary<string, string>? fields = null)
    {
        ArgumentNullException.ThrowIfNull(username);
        _ = EncodeStrict(username, nameof(username));
        Username = username;
        Url = string.IsNullOrEmpty(url) ? null : url;
        _ = Url is null ? 0 : EncodeStrict(Url, nameof(url));
        _fields = new SortedDictionary<string, SecretBuffer>(StringComparer.Ordinal);
        try
        {
            _password = ToSecret(password, nameof(password));
            _notes = notes.IsEmpty ? null : ToSecret(notes, nameof(notes));
            foreach (var (name, value) in fields ?? new Dictionary<string, string>())
            {
                ValidateFieldName(name);
                _fields.Add(name, ToSecret(value, nameof(fields)));
            }
        }
        catch
        {
            DisposeSecrets();
            throw;
        }
    }

    /// <summary>Used by the decoder: takes ownership of already-validated UTF-8 buffers.</summary>
    internal Credential(string username, SecretBuffer password, string? url, SecretBuffer? notes, SortedDictionary<string, SecretBuffer> fields)
    {
        Username = username;
        _password = password;
        Url = url;
        _notes = notes;
        _fields = fields;
    }

    /// <summary>The account name at the vendor.</summary>
    public string Username { get; }

    /// <summary>The vendor portal's address, or null.</summary>
    public string? Url { get; }

    /// <summary>The password as UTF-8. Valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> PasswordUtf8 => _password.Span;

    /// <summary>Whether notes are present.</summary>
    public bool HasNotes => _notes is not null;

    /// <summary>The notes as UTF-8 (empty when absent). Valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> NotesUtf8
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _notes is null ? [] : _notes.Span;
        }
    }

    /// <summary>Names of the extra fields, in ordinal order.</summary>
    public IReadOnlyList<string> FieldNames => [.. _fields.Keys];

    internal SecretBuffer PasswordSecret => _password;

    internal SecretBuffer? NotesSecret => _notes;

    internal IEnumerable<KeyValuePair<string, SecretBuffer>> FieldSecrets => _fields;

    /// <summary>An extra field's value as UTF-8. Valid until <see cref="Dispose"/>.</summary>
    /// <exception cref="KeyNotFoundException">No field has that name.</exception>
    public ReadOnlySpan<byte> GetFieldUtf8(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _fields.TryGetValue(name, out var value)
            ? value.Span
            : throw new KeyNotFoundException($"The credential has no field named '{name}'.");
    }

    /// <summary>Copies the password into a new string, which cannot be wiped. Prefer <see cref="PasswordUtf8"/>.</summary>
    public string RevealPassword() => StrictUtf8.GetString(PasswordUtf8);

    /// <summary>Copies the notes into a new string, or null when absent.</summary>
    public string? RevealNotes() => HasNotes ? StrictUtf8.GetString(NotesUtf8) : null;

    /// <summary>Copies an extra field's value into a new string.</summary>
    public string RevealField(string name) => StrictUtf8.GetString(GetFieldUtf8(name));

    /// <summary>Zeroes the password, notes and field values.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            DisposeSecrets();
        }
    }

    /// <inheritdoc />
    public override string ToString() => "Credential(redacted)";

    /// <summary>Rules for extra-field names; shared with the decoder so both sides agree.</summary>
    internal static bool IsValidFieldName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxFieldNameLength)
        {
            return false;
        }

        foreach (var character in name)
        {
            if (!(char.IsAsciiLetterOrDigit(character) || character is '_' or '-'))
            {
                return false;
            }
        }

        foreach (var reserved in ReservedNames)
        {
            if (name.Equals(reserved, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static void ValidateFieldName(string name)
    {
        if (!IsValidFieldName(name))
        {
            throw new ArgumentException(
                $"Field name '{name}' is invalid: use 1-{MaxFieldNameLength} of A-Z a-z 0-9 _ - and none of username, password, url, notes.",
                nameof(name));
        }
    }

    private static int EncodeStrict(string value, string name)
    {
        try
        {
            return StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"`{name}` is not valid Unicode text.", name);
        }
    }

    private static SecretBuffer ToSecret(ReadOnlySpan<char> value, string name)
    {
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"`{name}` is not valid Unicode text.", name);
        }

        var secret = new SecretBuffer(length);
        StrictUtf8.GetBytes(value, secret.Span);
        return secret;
    }

    private void DisposeSecrets()
    {
        _password?.Dispose();
        _notes?.Dispose();
        foreach (var value in _fields.Values)
        {
            value.Dispose();
        }
    }
}
