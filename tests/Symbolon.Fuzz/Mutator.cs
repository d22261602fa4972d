namespace Symbolon.Fuzz;

/// <summary>
/// The bounded run's mutations (docs/security.md): bit flips, byte overwrites with boundary values, truncations,
/// insertions, splices of two inputs, and edits of 1-, 2- and 4-byte big-endian length fields. Deterministic for a
/// given <see cref="Random"/> seed; AFL++ does the same and much more in the long run.
/// </summary>
public static class Mutator
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'.', (byte)'=', (byte)'-', (byte)'_'];

    /// <summary>One mutant of <paramref name="input"/>; <paramref name="corpus"/> supplies the other half of a splice.</summary>
    public static byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus, Random random)
    {
        var data = input.ToList();
        var steps = 1 + random.Next(4);
        for (var step = 0; step < steps; step++)
        {
            switch (random.Next(8))
            {
                case 0 when data.Count > 0:
                    var bit = random.Next(data.Count * 8);
                    data[bit / 8] ^= (byte)(1 << (bit % 8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2 when data.Count > 0:
                    var keep = random.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                case 3:
                    var insert = new byte[1 + random.Next(16)];
                    random.NextBytes(insert);
                    data.InsertRange(random.Next(data.Count + 1), insert);
                    break;
                case 4 when corpus.Count > 0:
                    var other = corpus[random.Next(corpus.Count)];
                    var cut = random.Next(data.Count + 1);
                    var from = random.Next(other.Length + 1);
                    data = [.. data.Take(cut), .. other.Skip(from)];
                    break;
                case 5 when data.Count >= 4:
                    EditLength(data, random.Next(data.Count - 3), 4, random);
                    break;
                case 6 when data.Count >= 2:
                    EditLength(data, random.Next(data.Count - 1), random.Next(2) + 1, random);
                    break;
                case 7 when data.Count > 1:
                    var start = random.Next(data.Count);
                    var length = Math.Min(data.Count - start, 1 + random.Next(8));
                    var chunk = data.GetRange(start, length);
                    data.InsertRange(random.Next(data.Count + 1), chunk);
                    break;
            }
        }

        return [.. data];
    }

    /// <summary>Overwrites a big-endian field of <paramref name="size"/> bytes with a length just off the truth.</summary>
    private static void EditLength(List<byte> data, int offset, int size, Random random)
    {
        long value = random.Next(6) switch
        {
            0 => 0,
            1 => data.Count - offset - size,
            2 => data.Count - offset - size + 1,
            3 => data.Count,
            4 => (1L << (8 * size)) - 1,
            _ => 1L << (8 * size - 1),
        };
        for (var i = 0; i < size; i++)
        {
            data[offset + i] = (byte)(value >> (8 * (size - 1 - i)));
        }
    }
}
