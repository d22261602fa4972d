// TOTP, RFC 6238 §4 over HOTP, RFC 4226 §5.3 (dynamic truncation), with HMAC-SHA-1/256/512 from
// System.Security.Cryptography. The secret travels as an otpauth://totp URI (the Key URI format authenticator apps
// read); its canonical form and the accepted inputs are in docs/spec.md §4.1. Sizes: secret ≥ 10 bytes (80 bits),
// 6–8 digits, period ≥ 1 s.
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>The HMAC a TOTP secret is used with.</summary>
public enum TotpAlgorithm
{
    /// <summary>HMAC-SHA-1, the default of RFC 6238 and of authenticator apps.</summary>
    Sha1,

    /// <summary>HMAC-SHA-256.</summary>
    Sha256,

    /// <summary>HMAC-SHA-512.</summary>
    Sha512,
}

/// <summary>
/// A TOTP secret with its parameters. The key bytes are held in pinned memory, wiped on <see cref="Dispose"/>, and
/// never shown by <see cref="ToString"/>; <see cref="RevealUri"/> is the one way to read them back (to store them).
/// </summary>
public sealed class TotpSecret : IDisposable
{
    /// <summary>The well-known extra-field name that holds an item's TOTP secret (as its canonical URI).</summary>
    public const string FieldName = "totp";

    /// <summary>Shortest accepted secret, in bytes (RFC 4226 §4 R6: at least 128 bits recommended, 80 the minimum we take).</summary>
    public const int MinSecretSize = 10;

    /// <summary>Longest accepted secret, in bytes (a SHA-512 block; longer keys are hashed by HMAC anyway).</summary>
    public const int MaxSecretSize = 128;

    /// <summary>Digits when the URI names none.</summary>
    public const int DefaultDigits = 6;

    /// <summary>Period in seconds when the URI names none.</summary>
    public const int DefaultPeriod = 30;

    private const string Scheme = "otpauth://";
    private const string DefaultLabel = "symbolon";
    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private readonly SecretBuffer _key;
    private bool _disposed;

    private TotpSecret(SecretBuffer key, TotpAlgorithm algorithm, int digits, int period, string label)
    {
        _key = key;
        Algorithm = algorithm;
        Digits = digits;
        Period = period;
        Label = label;
    }

    /// <summary>The HMAC algorithm.</summary>
    public TotpAlgorithm Algorithm { get; }

    /// <summary>Digits of each code, 6 to 8.</summary>
    public int Digits { get; }

    /// <summary>Seconds each code is valid (the time step X of RFC 6238).</summary>
    public int Period { get; }

    /// <summary>The URI's label (metadata, e.g. "ACME:bot@acme.example"); "symbolon" for a bare secret.</summary>
    public string Label { get; }

    /// <summary>Creates a secret from raw key bytes (the caller wipes its own copy).</summary>
    /// <exception cref="ArgumentException">A parameter is outside the ranges above.</exception>
    public static TotpSecret Create(ReadOnlySpan<byte> key, TotpAlgorithm algorithm = TotpAlgorithm.Sha1, int digits = DefaultDigits, int period = DefaultPeriod)
    {
        if (key.Length is < MinSecretSize or > MaxSecretSize)
        {
            throw new ArgumentException($"A TOTP secret must be {MinSecretSize}-{MaxSecretSize} bytes (at least 80 bits).", nameof(key));
        }

        if (!Enum.IsDefined(algorithm) || digits is < 6 or > 8 || period < 1)
        {
            throw new ArgumentException("A TOTP secret needs SHA1, SHA256 or SHA512, 6-8 digits and a period of at least 1 second.");
        }

        return new TotpSecret(new SecretBuffer(key), algorithm, digits, period, DefaultLabel);
    }

    /// <summary>
    /// Parses an otpauth://totp URI or a bare base32 secret (spaces and '-' between groups allowed, padding optional).
    /// </summary>
    /// <exception cref="FormatException">Not a TOTP secret; the message says why and never contains the secret.</exception>
    public static TotpSecret Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return FromBase32(text.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), TotpAlgorithm.Sha1, DefaultDigits, DefaultPeriod, DefaultLabel);
        }

        var rest = text[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var type = slash < 0 ? rest : rest[..slash];
        if (!type.Equals("totp", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"only otpauth://totp/ URIs are supported, not otpauth://{Limit(type)}/ (counter-based HOTP is not).");
        }

        var pathAndQuery = slash < 0 ? "" : rest[(slash + 1)..];
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var label = Unescape(question < 0 ? pathAndQuery : pathAndQuery[..question]);
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (question < 0 ? "" : pathAndQuery[(question + 1)..]).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Unescape(equals < 0 ? pair : pair[..equals]);
            if (!parameters.TryAdd(name, Unescape(equals < 0 ? "" : pair[(equals + 1)..])))
            {
                throw new FormatException($"the otpauth URI names '{Limit(name)}' twice.");
            }
        }

        var algorithm = parameters.TryGetValue("algorithm", out var algorithmName)
            ? algorithmName.ToUpperInvariant() switch
            {
                "SHA1" => TotpAlgorithm.Sha1,
                "SHA256" => TotpAlgorithm.Sha256,
                "SHA512" => TotpAlgorithm.Sha512,
                _ => throw new FormatException($"algorithm '{Limit(algorithmName)}' is not SHA1, SHA256 or SHA512."),
            }
            : TotpAlgorithm.Sha1;
        var digits = Number(parameters, "digits", DefaultDigits);
        if (digits is < 6 or > 8)
        {
            throw new FormatException("digits must be 6, 7 or 8.");
        }

        var period = Number(parameters, "period", DefaultPeriod);
        if (period < 1)
        {
            throw new FormatException("period must be at least 1 second.");
        }

        return parameters.TryGetValue("secret", out var secret)
            ? FromBase32(secret, algorithm, digits, period, label.Length == 0 ? DefaultLabel : label)
            : throw new FormatException("the otpauth URI has no secret parameter.");
    }

    /// <summary>As <see cref="Parse"/>, returning false (and the reason) instead of throwing.</summary>
    public static bool TryParse(string text, out TotpSecret? secret, out string? error)
    {
        try
        {
            secret = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException exception)
        {
            secret = null;
            error = exception.Message;
            return false;
        }
    }

    /// <summary>
    /// The canonical URI: <c>otpauth://totp/LABEL?secret=BASE32&amp;algorithm=SHA1&amp;digits=6&amp;period=30</c>, base32
    /// upper case without padding, every parameter present, the label percent-encoded. It contains the secret.
    /// </summary>
    public string RevealUri()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return string.Create(CultureInfo.InvariantCulture,
            $"otpauth://totp/{Uri.EscapeDataString(Label)}?secret={Base32(_key.Span)}&algorithm={AlgorithmName}&digits={Digits}&period={Period}");
    }

    /// <summary>The code for the time step that holds <paramref name="time"/> (RFC 6238 §4.2, T0 = 0).</summary>
    public string Code(DateTimeOffset time)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Hotp(_key.Span, Algorithm, Digits, Step(time));
    }

    /// <summary>Seconds until the code for <paramref name="time"/> stops being current (1..<see cref="Period"/>).</summary>
    public int SecondsLeft(DateTimeOffset time) => Period - (int)(time.ToUnixTimeSeconds() % Period);

    /// <summary>The time step counter T = floor(unix time / period).</summary>
    public long Step(DateTimeOffset time) => time.ToUnixTimeSeconds() / Period;

    /// <summary>HOTP (RFC 4226 §5.3): HMAC over the big-endian counter, dynamic truncation, the low digits in decimal.</summary>
    public static string Hotp(ReadOnlySpan<byte> key, TotpAlgorithm algorithm, int digits, long counter)
    {
        if (digits is < 6 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(digits), "`digits` must be 6-8.");
        }

        Span<byte> message = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(message, counter);
        Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
        try
        {
            var length = algorithm switch
            {
                // RFC 6238's default and what most portals issue; HMAC-SHA-1 is not broken as a MAC (CA5350 is about SHA-1 collisions).
#pragma warning disable CA5350
                TotpAlgorithm.Sha1 => HMACSHA1.HashData(key, message, mac),
#pragma warning restore CA5350
                TotpAlgorithm.Sha256 => HMACSHA256.HashData(key, message, mac),
                TotpAlgorithm.Sha512 => HMACSHA512.HashData(key, message, mac),
                _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
            };
            var offset = mac[length - 1] & 0x0f;
            var binary = BinaryPrimitives.ReadInt32BigEndian(mac[offset..]) & 0x7fffffff;
            var modulus = digits switch { 6 => 1_000_000, 7 => 10_000_000, _ => 100_000_000 };
            return (binary % modulus).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mac);
        }
    }

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"TotpSecret({AlgorithmName}, {Digits} digits, {Period} s, redacted)";

    private string AlgorithmName => Algorithm switch
    {
        TotpAlgorithm.Sha256 => "SHA256",
        TotpAlgorithm.Sha512 => "SHA512",
        _ => "SHA1",
    };

    private static TotpSecret FromBase32(string text, TotpAlgorithm algorithm, int digits, int period, string label)
    {
        // RFC 4648 §6, case-insensitive, '=' padding optional; the bits left over after the last whole byte are dropped.
        var trimmed = text.TrimEnd('=');
        var key = new SecretBuffer(trimmed.Length * 5 / 8);
        try
        {
            int buffer = 0, bits = 0, written = 0;
            foreach (var character in trimmed)
            {
                var value = Base32Alphabet.IndexOf(char.ToUpperInvariant(character), StringComparison.Ordinal);
                if (value < 0)
                {
                    throw new FormatException("the secret is not base32 (A-Z and 2-7).");
                }

                buffer = ((buffer << 5) | value) & 0xfff;
                bits += 5;
                if (bits >= 8)
                {
                    bits -= 8;
                    key.Span[written++] = (byte)(buffer >> bits);
                }
            }

            if (key.Length is < MinSecretSize or > MaxSecretSize)
            {
                throw new FormatException($"the secret must be {MinSecretSize}-{MaxSecretSize} bytes (16 or more base32 characters: at least 80 bits).");
            }

            return new TotpSecret(key, algorithm, digits, period, label);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var value in bytes)
        {
            buffer = ((buffer << 8) | value) & 0xffff;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Base32Alphabet[(buffer >> bits) & 31]);
            }
        }

        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    private static int Number(Dictionary<string, string> parameters, string name, int fallback)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return text.Length is > 0 and <= 9 && text.All(char.IsAsciiDigit)
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : throw new FormatException($"{name} '{Limit(text)}' is not a whole number.");
    }

    /// <summary>Percent-decoding as the Key URI format uses it ('+' is a space); an invalid escape stays as written.</summary>
    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    /// <summary>Echoes at most a short prefix of a non-secret part into a message.</summary>
    private static string Limit(string text) => text.Length <= 16 ? text : text[..16] + "…";
}
