using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// Runs the real CLI on a pseudo-terminal (through python3's pty module), as a person at a terminal would: its stdin,
/// stdout and stderr are the terminal, so it prints for a person and prompts at the keyboard.
/// </summary>
internal static class Terminal
{
    /// <summary>The terminal's size, rows by columns.</summary>
    public const string Rows = "33", Columns = "111";

    // Forks the command onto a new pty (of Rows x Columns) as its controlling terminal, types each answer once its
    // prompt has appeared (after the previous one), and copies everything the terminal shows to stdout; writes the
    // terminal's mode once the command has ended to stderr; exits with the command's code (killed, 247, if it still
    // runs after 60 s).
    private const string Script = $$"""
        import fcntl, json, os, pty, select, struct, sys, termios, time
        answers = json.loads(sys.argv[1])
        pid, master = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", {{Rows}}, {{Columns}}, 0, 0))
            os.execvp(sys.argv[2], sys.argv[2:])
        seen, searched_to, deadline = b"", 0, time.monotonic() + 60
        while time.monotonic() < deadline:
            if answers:
                at = seen.find(answers[0][0].encode(), searched_to)
                if at >= 0:
                    searched_to = at + len(answers[0][0])
                    os.write(master, answers.pop(0)[1].encode() + b"\r")
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
        else:
            os.kill(pid, 9)  # a hang: 60 s passed; the test fails on the exit code
        _, status = os.waitpid(pid, 0)
        local_modes = termios.tcgetattr(master)[3]
        sys.stderr.write("line mode" if local_modes & termios.ICANON and local_modes & termios.ECHO else "raw mode")
        sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
        """;

    /// <summary>
    /// The text as a person sees it: without the control sequences .NET's console sends a terminal (keypad mode,
    /// colours), line ends as \n.
    /// </summary>
    private static string Shown(string output) =>
        System.Text.RegularExpressions.Regex.Replace(output, @"\x1b(\[[0-9;?]*[A-Za-z]|[=>])", "").Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>
    /// Runs `symbolon <paramref name="arguments"/>` on a terminal, answering each prompt in
    /// <paramref name="answers"/> (text to wait for, then the line to type) in turn. The result's Stdout is all the
    /// terminal showed (<see cref="Shown"/>; stdout and stderr together); its Stderr is the terminal's mode once it ended ("line mode", as a
    /// shell leaves it, or "raw mode"), or the wrapper's own error.
    /// </summary>
    public static async Task<CliResult> RunAsync(
        IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, string? program, params (string Prompt, string Line)[] answers)
    {
        var start = CliProcess.StartInfo(environment, arguments, workingDirectory: null, program);
        string[] wrapper = ["-c", Script, JsonSerializer.Serialize(answers.Select(a => new[] { a.Prompt, a.Line })), start.FileName];
        start.FileName = "python3";
        for (var index = 0; index < wrapper.Length; index++)
        {
            start.ArgumentList.Insert(index, wrapper[index]);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new CliResult(string.Join(' ', arguments), process.ExitCode, Shown(await stdout), await stderr);
    }
}
