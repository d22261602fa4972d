using System.Diagnostics;

namespace Symbolon.Cli.Masking;

/// <summary>
/// Copies a child's stdout and stderr (redirected to pipes) to symbolon's own, through a <see cref="SecretMasker"/>
/// each. Stdin is not touched: the child inherits it.
/// </summary>
internal sealed class MaskedOutput : IDisposable
{
    /// <summary>
    /// How long output is still copied after the child has exited, for a background process it left holding the pipes;
    /// without the masking symbolon would not wait for those either.
    /// </summary>
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromSeconds(2);

    private readonly SecretSet _secrets;
    private readonly Task[] _pumps;

    private MaskedOutput(SecretSet secrets, Process child)
    {
        _secrets = secrets;
        _pumps =
        [
            PumpAsync(child.StandardOutput.BaseStream, System.Console.OpenStandardOutput(), secrets),
            PumpAsync(child.StandardError.BaseStream, System.Console.OpenStandardError(), secrets),
        ];
    }

    /// <summary>
    /// Whether <paramref name="values"/> hold anything worth masking; if so, <paramref name="start"/> is set to
    /// redirect stdout and stderr, and the returned set is to be passed to <see cref="Begin"/> once the child runs.
    /// </summary>
    public static SecretSet? Prepare(ProcessStartInfo start, IEnumerable<string> values)
    {
        var secrets = new SecretSet(values);
        if (secrets.IsEmpty)
        {
            secrets.Dispose();
            return null;
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return secrets;
    }

    /// <summary>
    /// Runs the command of <paramref name="start"/> (its file, arguments and environment) on a pseudo-terminal of its
    /// own, masking what it shows; for when symbolon's stdin, stdout and stderr are a terminal (<see cref="PseudoTerminal.Applies"/>).
    /// Returns its exit code; owns <paramref name="secrets"/>.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static int RunOnTerminal(ProcessStartInfo start, SecretSet secrets, Action<int> started)
    {
        var environment = start.Environment.Where(pair => pair.Value is not null).Select(pair => KeyValuePair.Create(pair.Key, pair.Value!));
        return PseudoTerminal.Run([start.FileName, .. start.ArgumentList], environment, secrets, started, out var error)
            ?? Output.Error($"cannot start '{start.FileName}': {error}", "Check the command's path and that it is executable.", 127);
    }

    /// <summary>Starts copying the child's output; owns <paramref name="secrets"/> from here on.</summary>
    public static MaskedOutput Begin(SecretSet secrets, Process child) => new(secrets, child);

    /// <summary>Waits, after the child has exited, until its output is copied (or <see cref="DrainAfterExit"/>).</summary>
    public async Task CompleteAsync()
    {
        try
        {
            await Task.WhenAll(_pumps).WaitAsync(DrainAfterExit);
        }
        catch (TimeoutException)
        {
        }
    }

    private static Task PumpAsync(Stream from, Stream to, SecretSet secrets) => Task.Run(async () =>
    {
        var buffer = GC.AllocateArray<byte>(16 * 1024, pinned: true);
        using var masker = new SecretMasker(secrets, to);
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                masker.Write(buffer.AsSpan(0, read));
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer.AsSpan(0, read));
            }

            masker.Complete();
        }
        catch (IOException)
        {
            // Our own stdout or stderr is gone (a closed pipe): closing the child's end gives it the EPIPE/SIGPIPE it
            // would have had writing there itself.
        }
        finally
        {
            from.Dispose();
        }
    });

    public void Dispose()
    {
        if (_pumps.All(pump => pump.IsCompleted))
        {
            _secrets.Dispose();
        }
    }
}
