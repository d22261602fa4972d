// The v1 item payload: a canonical binary encoding of a Credential, padded to a power-of-two bucket so that the
// ciphertext length does not reveal the password's length. Byte layout in docs/spec.md §4.
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>Encodes and strictly decodes the padded payload. Decoding accepts only the one canonical encoding.</summary>
internal static class CredentialEncoding
{
    public const byte PayloadVersion = 1;
    public const int MinPaddedSize = 256;
    public const int MaxPaddedSize = 65536;
    private const int LengthPrefixSize = 4;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The smallest power of two ≥ 256 that holds the length prefix and the content.</summary>
    public static int PaddedSizeFor(int contentLength)
    {
        var needed = Math.Max(MinPaddedSize, contentLength + LengthPrefixSize);
        return needed > MaxPaddedSize ? -1 : (int)BitOperations.RoundUpToPowerOf2((uint)needed);
    }

    public static bool IsPaddedSize(int length) =>
        length is >= MinPaddedSize and <= MaxPaddedSize && BitOperations.IsPow2(length);

    /// <summary>Returns the padded payload in a secret buffer the caller must dispose.</summary>
    public static SecretBuffer Encode(Credential credential)
    {
        var username = Encoding.UTF8.GetBytes(credential.Username);
        var url = credential.Url is null ? null : Encoding.UTF8.GetBytes(credential.Url);
        var fields = credential.FieldSecrets.ToList();

        var contentLength = 1 + StringSize(username.Length) + StringSize(credential.PasswordUtf8.Length)
            + OptionalSize(url?.Length) + OptionalSize(credential.NotesSecret?.Length) + 2;
        foreach (var (name, value) in fields)
        {
            contentLength += StringSize(name.Length) + StringSize(value.Length);
        }

        if (fields.Count > ushort.MaxValue || PaddedSizeFor(contentLength) < 0)
        {
            throw new ArgumentException(
                $"The credential is too large: its encoding must fit in {MaxPaddedSize - LengthPrefixSize} bytes.",
                nameof(credential));
        }

        var padded = new SecretBuffer(PaddedSizeFor(contentLength));
        var writer = new Writer(padded.Span);
        writer.UInt32((uint)contentLength);
        writer.Byte(PayloadVersion);
        writer.String(username);
        writer.String(credential.PasswordUtf8);
        writer.Optional(url, url is not null);
        writer.Optional(credential.NotesSecret is null ? [] : credential.NotesSecret.Span, credential.NotesSecret is not null);
        writer.UInt16((ushort)fields.Count);
        foreach (var (name, value) in fields)
        {
            writer.String(Encoding.ASCII.GetBytes(name));
            writer.String(value.Span);
        }

        return padded;
    }

    /// <summary>Decodes a padded payload, or returns null if it is not the canonical encoding of a credential.</summary>
    public static Credential? TryDecode(ReadOnlySpan<byte> padded)
    {
        if (!IsPaddedSize(padded.Length))
        {
            return null;
        }

        var contentLength = BinaryPrimitives.ReadUInt32BigEndian(padded);
        if (contentLength > (uint)(padded.Length - LengthPrefixSize)
            || PaddedSizeFor((int)contentLength) != padded.Length
            || padded[(LengthPrefixSize + (int)contentLength)..].ContainsAnyExcept((byte)0))
        {
            return null;
        }

        var reader = new Reader(padded.Slice(LengthPrefixSize, (int)contentLength));
        SecretBuffer? password = null;
        SecretBuffer? notes = null;
        var fields = new SortedDictionary<string, SecretBuffer>(StringComparer.Ordinal);
        try
        {
            if (!reader.Byte(out var version) || version != PayloadVersion
                || !reader.String(out var username)
                || !reader.String(out var passwordBytes)
                || !reader.Optional(out var url, out var hasUrl)
                || !reader.Optional(out var notesBytes, out var hasNotes)
                || !reader.UInt16(out var fieldCount)
                || !IsText(username) || !IsText(passwordBytes) || !IsText(url) || !IsText(notesBytes))
            {
                return null;
            }

            password = new SecretBuffer(passwordBytes);
            notes = hasNotes ? new SecretBuffer(notesBytes) : null;
            var previousName = ReadOnlySpan<byte>.Empty;
            for (var index = 0; index < fieldCount; index++)
            {
                if (!reader.String(out var name) || !reader.String(out var value) || !IsText(value)
                    || (index > 0 && name.SequenceCompareTo(previousName) <= 0))
                {
                    return null;
                }

                var nameText = Encoding.ASCII.GetString(name);
                if (!Ascii.IsValid(name) || !Credential.IsValidFieldName(nameText))
                {
                    return null;
                }

                fields.Add(nameText, new SecretBuffer(value));
                previousName = name;
            }

            if (!reader.AtEnd)
            {
                return null;
            }

            var credential = new Credential(
                StrictUtf8.GetString(username), password, hasUrl ? StrictUtf8.GetString(url) : null, notes, fields);
            password = null;
            notes = null;
            fields = [];
            return credential;
        }
        finally
        {
            password?.Dispose();
            notes?.Dispose();
            foreach (var value in fields.Values)
            {
                value.Dispose();
            }
        }
    }

    private static int StringSize(int byteLength) => 4 + byteLength;

    private static int OptionalSize(int? byteLength) => byteLength is null ? 1 : 1 + StringSize(byteLength.Value);

    private static bool IsText(ReadOnlySpan<byte> value) => System.Text.Unicode.Utf8.IsValid(value);

    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _position;

        public void Byte(byte value) => _destination[_position++] = value;

        public void UInt16(ushort value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_destination[_position..], value);
            _position += 2;
        }

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_destination[_position..], value);
            _position += 4;
        }

        public void String(ReadOnlySpan<byte> value)
        {
            UInt32((uint)value.Length);
            value.CopyTo(_destination[_position..]);
            _position += value.Length;
        }

        public void Optional(ReadOnlySpan<byte> value, bool present)
        {
            Byte(present ? (byte)1 : (byte)0);
            if (present)
            {
                String(value);
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> source)
    {
        private readonly ReadOnlySpan<byte> _source = source;
        private int _position;

        public readonly bool AtEnd => _position == _source.Length;

        public bool Byte(out byte value)
        {
            value = 0;
            if (_source.Length - _position < 1)
            {
                return false;
            }

            value = _source[_position++];
            return true;
        }

        public bool UInt16(out ushort value)
        {
            value = 0;
            if (_source.Length - _position < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_source[_position..]);
            _position += 2;
            return true;
        }

        public bool String(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (_source.Length - _position < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(_source[_position..]);
            _position += 4;
            if (length > (uint)(_source.Length - _position))
            {
                return false;
            }

            value = _source.Slice(_position, (int)length);
            _position += (int)length;
            return true;
        }

        /// <summary>Present-but-empty is rejected: an empty optional is encoded as absent, and only that way.</summary>
        public bool Optional(out ReadOnlySpan<byte> value, out bool present)
        {
            value = default;
            present = false;
            if (!Byte(out var flag) || flag > 1)
            {
                return false;
            }

            present = flag == 1;
            return !present || (String(out value) && !value.IsEmpty);
        }
    }
}
