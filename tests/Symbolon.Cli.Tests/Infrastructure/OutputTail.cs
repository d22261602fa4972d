using System.Collections.Concurrent;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>The last lines a process wrote, kept to explain a failure without holding a whole log in memory.</summary>
internal sealed class OutputTail(int capacity)
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, _lines);
}
