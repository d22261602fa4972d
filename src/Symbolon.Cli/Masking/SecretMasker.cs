using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Cli.Masking;

/// <summary>
/// Replaces every occurrence of a secret in a byte stream with <see cref="Replacement"/>, however the stream is split
/// into writes. Matching is on UTF-8 bytes, left to right, longest secret first where several start at one position.
/// Only a trailing chunk that could still become a secret is held back; everything before it is written at once, so
/// interactive output (a prompt) is not delayed unless it ends with the start of a secret.
/// </summary>
/// <remarks>
/// The output is a function of the whole input alone: a position is decided only once enough bytes follow it to
/// tell every secret apart (or the input has ended), so any split of the input gives the same output as no split.
/// </remarks>
internal sealed class SecretMasker : IDisposable
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Replacement = "<concealed by symbolon>";

    /// <summary>
    /// Values shorter than this (in UTF-8 bytes) are not masked: replacing every "1" or "yes" in the output would
    /// garble it and, by what it hides, tell the value anyway.
    /// </summary>
    public const int MinimumLength = 4;

    private static readonly byte[] ReplacementBytes = Encoding.UTF8.GetBytes(Replacement);

    private readonly SecretSet _secrets;
    private readonly Stream _output;
    private byte[] _held;
    private int _heldLength;

    /// <param name="secrets">Shared with other maskers; not disposed by this one.</param>
    /// <param name="output">Where the masked bytes go; flushed after every write.</param>
    public SecretMasker(SecretSet secrets, Stream output)
    {
        _secrets = secrets;
        _output = output;
        _held = GC.AllocateArray<byte>(Math.Max(secrets.LongestLength * 2, 64), pinned: true);
    }

    /// <summary>Masks <paramref name="input"/> (the next bytes of the stream) and writes out all that is decided.</summary>
    public void Write(ReadOnlySpan<byte> input)
    {
        if (_heldLength + input.Length > _held.Length)
        {
            var larger = GC.AllocateArray<byte>(Math.Max(_held.Length * 2, _heldLength + input.Length), pinned: true);
            _held.AsSpan(0, _heldLength).CopyTo(larger);
            CryptographicOperations.ZeroMemory(_held);
            _held = larger;
        }

        input.CopyTo(_held.AsSpan(_heldLength));
        _heldLength += input.Length;
        Drain(endOfInput: false);
    }

    /// <summary>The input has ended: writes out what was held back (it can no longer become a secret).</summary>
    public void Complete() => Drain(endOfInput: true);

    private void Drain(bool endOfInput)
    {
        var pending = _held.AsSpan(0, _heldLength);
        var position = 0;
        var written = 0;
        Span<int> nextOccurrence = _secrets.Count <= 64 ? stackalloc int[_secrets.Count] : new int[_secrets.Count];
        nextOccurrence.Fill(-1);
        while (position < pending.Length)
        {
            // The next place a secret occurs in full (vectorised search); before it only the last bytes, which may
            // be the start of a secret still arriving, need a look one by one.
            var next = _secrets.FirstFullMatch(pending, position, nextOccurrence);
            var undecided = endOfInput ? -1 : FirstUndecided(pending, Math.Max(position, pending.Length - _secrets.LongestLength + 1), next);
            if (undecided >= 0)
            {
                position = undecided;
                break;
            }

            if (next == pending.Length)
            {
                position = next;
                break;
            }

            var match = _secrets.MatchAt(pending[next..], endOfInput);
            if (match < 0)
            {
                position = next;
                break;
            }

            _output.Write(pending[written..next]);
            _output.Write(ReplacementBytes);
            position = next + match;
            written = position;
        }

        _output.Write(pending[written..position]);
        _output.Flush();

        var rest = pending[position..];
        rest.CopyTo(_held);
        CryptographicOperations.ZeroMemory(_held.AsSpan(rest.Length, _heldLength - rest.Length));
        _heldLength = rest.Length;
    }

    /// <summary>The first position in [from, to) where the rest of <paramref name="pending"/> may still become a secret; -1 if none.</summary>
    private int FirstUndecided(ReadOnlySpan<byte> pending, int from, int to)
    {
        for (var position = from; position < to; position++)
        {
            if (_secrets.MatchAt(pending[position..], endOfInput: false) < 0)
            {
                return position;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_held);
        _heldLength = 0;
    }
}

/// <summary>The values to mask, as UTF-8 bytes in pinned arrays that are wiped on dispose.</summary>
internal sealed class SecretSet : IDisposable
{
    private readonly byte[][] _secrets;

    /// <summary>
    /// Values shorter than <see cref="SecretMasker.MinimumLength"/> bytes are left out; duplicates once. A value with
    /// line breaks is also masked as a terminal shows it, each "\n" written as "\r\n".
    /// </summary>
    public SecretSet(IEnumerable<string> values)
    {
        _secrets = [.. values
            .SelectMany(value => value.Contains('\n', StringComparison.Ordinal) ? [value, value.Replace("\n", "\r\n", StringComparison.Ordinal)] : new[] { value })
            .Where(value => Encoding.UTF8.GetByteCount(value) >= SecretMasker.MinimumLength)
            .Distinct(StringComparer.Ordinal)
            .Select(value =>
            {
                var bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(value), pinned: true);
                Encoding.UTF8.GetBytes(value, bytes);
                return bytes;
            })
            .OrderByDescending(bytes => bytes.Length)];
    }

    /// <summary>Whether there is anything to mask.</summary>
    public bool IsEmpty => _secrets.Length == 0;

    public int LongestLength => _secrets.Length == 0 ? 0 : _secrets[0].Length;

    /// <summary>How many secrets there are (the length of a <see cref="FirstFullMatch"/> cache).</summary>
    public int Count => _secrets.Length;

    /// <summary>
    /// Where the first secret occurring in full in <paramref name="text"/> at or after <paramref name="position"/>
    /// starts; the text's length if none does. <paramref name="nextOccurrence"/> (one per secret, -1 at first) keeps
    /// each secret's next occurrence across calls on the same text, so each is searched for once per stretch.
    /// </summary>
    public int FirstFullMatch(ReadOnlySpan<byte> text, int position, Span<int> nextOccurrence)
    {
        var first = text.Length;
        for (var index = 0; index < _secrets.Length; index++)
        {
            if (nextOccurrence[index] < position)
            {
                var at = text[position..].IndexOf(_secrets[index]);
                nextOccurrence[index] = at < 0 ? int.MaxValue : position + at;
            }

            first = Math.Min(first, nextOccurrence[index]);
        }

        return first;
    }

    /// <summary>
    /// The length of the longest secret that <paramref name="text"/> starts with; 0 if none does; -1 if that cannot be
    /// told yet, because <paramref name="text"/> is a proper prefix of some secret and more input may follow.
    /// </summary>
    public int MatchAt(ReadOnlySpan<byte> text, bool endOfInput)
    {
        // Longest first: the first full match is the answer unless a longer secret could still match.
        foreach (var secret in _secrets)
        {
            if (text.Length >= secret.Length)
            {
                if (text.StartsWith(secret))
                {
                    return secret.Length;
                }
            }
            else if (!endOfInput && secret.AsSpan().StartsWith(text))
            {
                return -1;
            }
        }

        return 0;
    }

    public void Dispose()
    {
        foreach (var secret in _secrets)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
