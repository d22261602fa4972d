using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>`exec` shows every value it put in the command's environment as `&lt;concealed by symbolon&gt;` in its output.</summary>
public sealed class MaskingTests(SharedKeyServer shared)
{
    private const string Concealed = "<concealed by symbolon>";

    // The password (acme-password-1) in three writes, apart in time so they usually reach symbolon as three reads,
    // between unrelated lines; the same on stderr.
    private const string PrintsThePasswordInPieces = """
        printf 'first line\n'; printf 'pass: %s' "${VENDOR_PASS%-*}"; sleep 0.2; printf '%s' -; sleep 0.2; printf '%s end\n' "${VENDOR_PASS##*-}"; printf 'last line\n'
        printf 'err: %s' "${VENDOR_PASS%-*}" >&2; sleep 0.2; printf '%s end\n' "-${VENDOR_PASS##*-}" >&2
        """;

    [Fact]
    public async Task Exec_conceals_a_value_written_in_pieces_on_stdout_and_stderr()
    {
        using var device = await SignedUpWithAcmeAsync();

        var result = (await device.RunAsync("exec", "--env", "VENDOR_PASS=acme.password", "--", "sh", "-c", PrintsThePasswordInPieces)).AssertSuccess();

        Assert.Equal($"first line\npass: {Concealed} end\nlast line\n", result.Stdout);
        Assert.Contains($"err: {Concealed} end\n", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("acme-password", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_conceals_every_value_it_put_in_the_environment_and_keeps_the_exit_code()
    {
        using var device = await SignedUpWithAcmeAsync();

        var result = await device.RunAsync("exec", "--env", "U=acme.username", "--env", "P=acme.password", "--",
            "sh", "-c", """echo "$P:$U:$P"; echo "user $U" >&2; exit 3""");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"{Concealed}:{Concealed}:{Concealed}\n", result.Stdout);
        Assert.Contains($"user {Concealed}\n", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_with_no_masking_passes_the_output_through_as_it_is()
    {
        using var device = await SignedUpWithAcmeAsync();

        var result = (await device.RunAsync("exec", "--no-masking", "--env", "VENDOR_PASS=acme.password", "--", "sh", "-c", PrintsThePasswordInPieces)).AssertSuccess();

        Assert.Equal("first line\npass: acme-password-1 end\nlast line\n", result.Stdout);
        Assert.Contains("err: acme-password-1 end\n", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_at_a_terminal_gives_the_command_a_terminal_of_its_own_and_still_conceals()
    {
        using var device = await SignedUpWithAcmeAsync();

        var result = await device.RunOnTerminalAsync(["exec", "--env", "P=acme.password", "--", "sh", "-c", """
            [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo "on a terminal: $P"; echo "size: $(stty size)"
            printf 'name? '; read name; echo "hello $name" >&2; exit 5
            """], ("name? ", "world"));

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains($"on a terminal: {Concealed}\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("hello world\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"size: {Terminal.Rows} {Terminal.Columns}\n", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("acme-password", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("line mode", result.Stderr); // symbolon's terminal, raw while the command ran, is restored

        // Stopped (as by ^Z), it is continued: symbolon has no job control to resume it with later.
        var stopped = await device.RunOnTerminalAsync(["exec", "--env", "P=acme.password", "--", "sh", "-c", "kill -STOP $$; echo resumed; exit 4"]);
        Assert.True(stopped.ExitCode == 4, stopped.ToString());
        Assert.Contains("resumed\n", stopped.Stdout, StringComparison.Ordinal);

        var missing = await device.RunOnTerminalAsync(["exec", "--env", "P=acme.password", "--", "/nonexistent/command"]);
        Assert.True(missing.ExitCode == 127, missing.ToString());
        Assert.Contains("symbolon: error: cannot start '/nonexistent/command'", missing.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_started_as_a_background_job_at_a_terminal_keeps_pipes_and_runs_to_the_end()
    {
        using var device = await SignedUpWithAcmeAsync();
        var cli = device.Program ?? CliProcess.DefaultProgram;
        var invoke = cli.EndsWith(".dll", StringComparison.Ordinal) ? $"dotnet '{cli}'" : $"'{cli}'";

        // A shell with job control puts the job in a process group of its own, not the terminal's foreground one: a
        // terminal of the command's own would have symbolon stopped (SIGTTOU) as soon as it made the terminal raw.
        var result = await Terminal.RunAsync(device.Environment,
            ["-c", $"""set -m; {invoke} exec --env P=acme.password -- sh -c '[ -t 1 ] || echo "on pipes: $P"' & wait $!; echo "job ended: $?" """], "sh");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"on pipes: {Concealed}\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("job ended: 0\n", result.Stdout, StringComparison.Ordinal);
    }

    private async Task<ClientDevice> SignedUpWithAcmeAsync()
    {
        var device = new ClientDevice();
        try
        {
            await device.SignUpAsync(shared.Server);
            await device.AddAsync("acme", "bot@acme.example", "acme-password-1");
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}
