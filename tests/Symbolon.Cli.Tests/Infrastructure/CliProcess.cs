using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>What one `symbolon` run did: its exit code and everything it printed.</summary>
internal sealed record CliResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public const string ErrorPrefix = "symbolon: error: ";
    public const string HintPrefix = "symbolon: hint: ";

    public IEnumerable<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string? ErrorLine => StderrLines.FirstOrDefault(l => l.StartsWith(ErrorPrefix, StringComparison.Ordinal));

    public string? HintLine => StderrLines.FirstOrDefault(l => l.StartsWith(HintPrefix, StringComparison.Ordinal));

    public CliResult AssertSuccess()
    {
        Assert.True(ExitCode == 0, $"expected exit 0.{Environment.NewLine}{this}");
        Assert.True(ErrorLine is null, $"a successful run printed an error.{Environment.NewLine}{this}");
        return this;
    }

    /// <summary>
    /// Asserts the exit code, a `symbolon: error:` line containing <paramref name="error"/>, and, when given, a
    /// `symbolon: hint:` line containing <paramref name="hint"/>; never a stack trace.
    /// </summary>
    public CliResult AssertFailure(int exitCode, string error, string? hint = null)
    {
        Assert.True(ExitCode == exitCode, $"expected exit {exitCode}.{Environment.NewLine}{this}");
        Assert.True(ErrorLine is { } line && line.Contains(error, StringComparison.OrdinalIgnoreCase),
            $"expected a '{ErrorPrefix}…{error}…' line.{Environment.NewLine}{this}");
        if (hint is not null)
        {
            Assert.True(HintLine is { } hintLine && hintLine.Contains(hint, StringComparison.OrdinalIgnoreCase),
                $"expected a '{HintPrefix}…{hint}…' line.{Environment.NewLine}{this}");
        }

        Assert.True(!Stderr.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) && !Stderr.Contains("   at ", StringComparison.Ordinal),
            $"the CLI crashed instead of reporting an error.{Environment.NewLine}{this}");
        return this;
    }

    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Stdout);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            Assert.Fail($"stdout is not JSON ({exception.Message}).{Environment.NewLine}{this}");
            throw;
        }
    }

    public override string ToString() =>
        $"$ symbolon {CommandLine}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";
}

/// <summary>
/// Runs the real CLI as its own process: `dotnet symbolon.dll …` from this build, or the program named by
/// SYMBOLON_TEST_CLI (e.g. the Native AOT binary of README's "Install", to run the whole suite against it).
/// </summary>
internal static class CliProcess
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The CLI every test runs unless it names another: SYMBOLON_TEST_CLI, or this build's symbolon.dll.</summary>
    public static string DefaultProgram =>
        Environment.GetEnvironmentVariable("SYMBOLON_TEST_CLI") is { Length: > 0 } program ? Path.GetFullPath(program) : Repository.CliDll;

    /// <summary>
    /// Runs one command to completion. <paramref name="input"/> is written to its standard input, which is then
    /// closed (so a command that reads more sees end of input). Past <paramref name="timeout"/> the process is
    /// killed and the test fails. <paramref name="program"/> is a symbolon.dll or a native binary (default:
    /// <see cref="DefaultProgram"/>).
    /// </summary>
    public static async Task<CliResult> RunAsync(
        IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, string? input = null, string? workingDirectory = null, TimeSpan? timeout = null,
        string? program = null)
    {
        using var process = new Process { StartInfo = StartInfo(environment, arguments, workingDirectory, program) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process exited without reading its input; its exit code tells the story.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"`symbolon {string.Join(' ', arguments)}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s and was killed." +
                $"{Environment.NewLine}--- stdout ---{Environment.NewLine}{await stdout}--- stderr ---{Environment.NewLine}{await stderr}");
        }

        return new CliResult(string.Join(' ', arguments), process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a command and leaves it running: for signals, and for killing it part-way.</summary>
    public static RunningCli Start(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, string? workingDirectory = null, string? program = null)
    {
        var process = new Process { StartInfo = StartInfo(environment, arguments, workingDirectory, program) };
        return new RunningCli(process, string.Join(' ', arguments));
    }

    /// <summary>`symbolon ARGS` (the dll through dotnet, or <paramref name="program"/>) with the given environment and nothing of the developer's own.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, string? workingDirectory, string? program = null)
    {
        program ??= DefaultProgram;
        var managed = program.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(managed ? "dotnet" : program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (managed)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing from the developer's own shell may leak in: no real vault, passphrase or idle timeout.
        foreach (var name in new[] { "SYMBOLON_HOME", "SYMBOLON_PASSPHRASE", "SYMBOLON_IDLE_TIMEOUT" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}

/// <summary>A CLI process still running: its output as it comes, signals, kill.</summary>
internal sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly string _commandLine;
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunningCli(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
        process.OutputDataReceived += (_, line) => Append(_stdout, line.Data, _outputClosed);
        process.ErrorDataReceived += (_, line) => Append(_stderr, line.Data, _errorClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        StartedAt = Stopwatch.GetTimestamp();
    }

    public int ProcessId => _process.Id;

    public long StartedAt { get; }

    public bool HasExited => _process.HasExited;

    public StreamWriter StandardInput => _process.StandardInput;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Waits until stdout holds <paramref name="text"/>; false if the process exits or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Stdout.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                await _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
                return Stdout.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return false;
    }

    /// <summary>Sends a POSIX signal to this process only (not its children), as `kill -SIG pid` does.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(kill.ExitCode == 0 || _process.HasExited, $"kill -{signal} {ProcessId} failed with exit {kill.ExitCode}");
    }

    /// <summary>SIGKILL, the crash: no handler runs, no finally block, no flush.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public async Task<CliResult> WaitAsync(TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? CliProcess.DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"`symbolon {_commandLine}` did not finish within {(timeout ?? CliProcess.DefaultTimeout).TotalSeconds} s and was killed.{Environment.NewLine}{Result()}");
        }

        await Task.WhenAll(_outputClosed.Task, _errorClosed.Task).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        return Result();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private CliResult Result()
    {
        lock (_gate)
        {
            return new CliResult(_commandLine, _process.HasExited ? _process.ExitCode : -1, _stdout.ToString(), _stderr.ToString());
        }
    }

    private void Append(StringBuilder buffer, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            buffer.Append(line).Append('\n');
        }
    }
}
