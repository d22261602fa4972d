using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Symbolon.Cli.Masking;
using Symbolon.Client;

namespace Symbolon.Cli.Commands;

/// <summary>
/// `symbolon exec --env VAR=item.field -- command`: opens each named item once (also those that inherited
/// VAR=symbolon://ITEM/FIELD variables name), starts the command with those
/// variables added to its environment, passes stdin/stdout/stderr through, forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT,
/// and exits with the command's exit code (128 + signal if a signal ended it). Unless --no-masking, every revealed value
/// in the command's stdout and stderr is replaced (see <see cref="MaskedOutput"/>).
/// </summary>
internal static class ExecCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var env = new Option<string[]>("--env", "-e") { Description = "VAR=item.field (field: username, password, url, notes or an extra field). Repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Argument<string[]>("command") { Description = "The command to run, after --.", Arity = ArgumentArity.OneOrMore };
        var noMasking = new Option<bool>("--no-masking") { Description = "Pass the command's output through as it is, revealed values included (by default each is shown as <concealed by symbolon>)." };
        var exec = new Command("exec", "Run a command with credentials in its environment; exits with its exit code.") { env, noMasking, command };
        exec.SetAction((parse, token) => RunAsync(parse, globals, parse.GetValue(env) ?? [], parse.GetValue(command) ?? [], !parse.GetValue(noMasking), token));
        return exec;
    }

    private static async Task<int> RunAsync(ParseResult parse, GlobalOptions globals, string[] specifications, string[] command, bool masking, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var exit = await ResolveAsync(parse, globals, specifications, variables, cancellationToken);
        if (exit != ExitCodes.Success)
        {
            return exit;
        }

        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        // symbolon's own settings stay with symbolon: the child gets no passphrase, home or other SYMBOLON_* variable.
        foreach (var inherited in start.Environment.Keys.Where(IsOwnVariable).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (variable, value) in variables)
        {
            start.Environment[variable] = value;
        }

        var secrets = masking ? MaskedOutput.Prepare(start, variables.Values) : null;

        // Signal handlers go in before the child starts: a SIGTERM that arrives while it is starting must neither
        // end symbolon (leaving the child orphaned) nor be lost; it is passed on as soon as the child exists.
        var forwarder = new SignalForwarder();
        var registrations = new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3) }
            .Select(pair => PosixSignalRegistration.Create(pair.Item1, context =>
            {
                context.Cancel = true;
                forwarder.Forward(pair.Item2);
            }))
            .ToList();
        try
        {
            if (secrets is not null && PseudoTerminal.Applies)
            {
                variables.Clear();
                return MaskedOutput.RunOnTerminal(start, secrets, forwarder.Started);
            }

            Process child;
            try
            {
                child = Process.Start(start) ?? throw new InvalidOperationException();
            }
            catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                secrets?.Dispose();
                return Output.Error($"cannot start '{command[0]}': {exception.Message}", "Check the command's path and that it is executable.", 127);
            }
            finally
            {
                variables.Clear();
            }

            using (child)
            using (var output = secrets is null ? null : MaskedOutput.Begin(secrets, child))
            {
                forwarder.Started(child.Id);
                await child.WaitForExitAsync(CancellationToken.None);
                if (output is not null)
                {
                    await output.CompleteAsync();
                }

                return child.ExitCode;
            }
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
        }
    }

    /// <summary>Passes signals to the child; one that comes before the child exists waits for it.</summary>
    private sealed class SignalForwarder
    {
        private readonly Lock _gate = new();
        private readonly List<int> _pending = [];
        private int _childId;

        public void Forward(int signal)
        {
            lock (_gate)
            {
                if (_childId == 0)
                {
                    _pending.Add(signal);
                    return;
                }
            }

            Send(_childId, signal);
        }

        public void Started(int childId)
        {
            int[] pending;
            lock (_gate)
            {
                _childId = childId;
                pending = [.. _pending];
                _pending.Clear();
            }

            foreach (var signal in pending)
            {
                Send(childId, signal);
            }
        }

        private static void Send(int childId, int signal)
        {
            if (!OperatingSystem.IsWindows())
            {
                _ = Symbolon.Client.NativeMethods.Kill(childId, signal);
            }
        }
    }

    private static bool IsOwnVariable(string name) => name.StartsWith("SYMBOLON_", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The variables to add: each --env VAR=item.field (the same as symbolon://item/field), and each inherited variable
    /// whose whole value is a symbolon:// reference (as `op run` resolves them; --env wins for the same name). Every
    /// reference is checked before any item is opened; all of them are read together.
    /// </summary>
    private static async Task<int> ResolveAsync(
        ParseResult parse, GlobalOptions globals, string[] specifications, Dictionary<string, string> variables, CancellationToken cancellationToken)
    {
        try
        {
            var wanted = new Dictionary<string, SecretReference>(StringComparer.Ordinal);
            foreach (System.Collections.DictionaryEntry inherited in Environment.GetEnvironmentVariables())
            {
                if (inherited.Value is string value && SecretReference.LooksLikeReference(value) && !IsOwnVariable((string)inherited.Key))
                {
                    wanted[(string)inherited.Key] = CommonOptions.Reference(value, $"${inherited.Key}");
                }
            }

            foreach (var specification in specifications)
            {
                var equals = specification.IndexOf('=', StringComparison.Ordinal);
                var dot = specification.LastIndexOf('.');
                if (equals <= 0 || dot <= equals + 1 || dot == specification.Length - 1)
                {
                    return Output.Error($"'{specification}' is not VAR=item.field", "e.g. --env VENDOR_PASS=acme.password", ExitCodes.Usage);
                }

                if (IsOwnVariable(specification[..equals]))
                {
                    return Output.Error($"'{specification[..equals]}' is one of symbolon's own variables, never passed to the command", "Name the variable without the SYMBOLON_ prefix.", ExitCodes.Usage);
                }

                wanted[specification[..equals]] = CommonOptions.Reference(
                    $"{SecretReference.Prefix}{specification[(equals + 1)..dot]}/{specification[(dot + 1)..]}", $"--env {specification[..equals]}");
            }

            if (wanted.Count == 0)
            {
                return ExitCodes.Success;
            }

            using var vault = VaultClient.Open(Cli.Options(parse, globals));
            var values = await vault.ReadAsync([.. wanted.Values], cancellationToken: cancellationToken);
            foreach (var (variable, value) in wanted.Keys.Zip(values))
            {
                variables[variable] = value;
            }

            return ExitCodes.Success;
        }
        catch (UsageException exception)
        {
            return Output.Error(exception.Message, exception.Hint, ExitCodes.Usage);
        }
        catch (SymbolonException exception)
        {
            return Output.Error(exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Output.LocalFilesError(exception);
        }
    }
}
