using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon account create | password | require-approval on|off`.</summary>
internal static class AccountCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var server = CommonOptions.Server();
        var username = CommonOptions.Username();
        var passwordStdin = CommonOptions.PasswordStdin();
        var create = new Command("create", "Create an account.") { server, username, passwordStdin };
        create.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var url = Cli.ServerUrl(parse.GetValue(server), vault);
            await vault.CreateAccountAsync(url, parse.GetValue(username)!, Secrets.ReadNew("Password", parse.GetValue(passwordStdin)), token);
            Cli.Report(parse.GetValue(globals.Json), new AccountCreated(parse.GetValue(username)!, url), CliJson.Default.AccountCreated, $"Account '{parse.GetValue(username)}' created on {url}.");
        }));
        return new Command("account", "Manage your account on a key server.") { create, Password(globals), RequireApproval(globals) };
    }

    /// <summary>
    /// `account password`: the current password, then the new one (twice at a terminal), from a prompt or standard
    /// input (one per line), never from arguments.
    /// </summary>
    private static Command Password(GlobalOptions globals)
    {
        var server = new Option<string?>("--server") { Description = "The key server (default: the one last logged in to)." };
        var passwordStdin = CommonOptions.PasswordStdin();
        passwordStdin.Description = "Read the current password, then the new one, from the first two lines of standard input.";
        var revokeOthers = new Option<bool>("--revoke-other-devices") { Description = "Also revoke every other device of the account." };
        var password = new Command("password", "Change the password: every session of the account ends on every device; this one stays logged in.")
        {
            server, passwordStdin, revokeOthers,
        };
        password.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var fromStdin = parse.GetValue(passwordStdin);
            var current = Secrets.Read("Current password", fromStdin);
            var next = Secrets.ReadNew("New password", fromStdin);

            await vault.ChangePasswordAsync(current, next, parse.GetValue(revokeOthers), Cli.OptionalServerUrl(parse.GetValue(server)), token);
            Cli.Report(parse.GetValue(globals.Json), new NewPassword(true, parse.GetValue(revokeOthers)), CliJson.Default.NewPassword,
                parse.GetValue(revokeOthers)
                    ? "Password changed. Every other session ended and every other device was revoked."
                    : "Password changed. Every other session ended: other devices must log in again with the new password.");
        }));
        return password;
    }

    /// <summary>`account require-approval on|off`: new devices must be approved from an existing one (`devices approve ID`).</summary>
    private static Command RequireApproval(GlobalOptions globals)
    {
        var server = new Option<string?>("--server") { Description = "The key server (default: the one last logged in to)." };
        var state = new Argument<string>("on|off") { Description = "on: a device a login enrols cannot release until approved; off: it can at once." };
        state.AcceptOnlyFromAmong("on", "off");
        var command = new Command("require-approval", "Require new devices to be approved from an existing one (`symbolon devices approve ID`).") { state, server };
        command.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var required = await vault.SetDeviceApprovalAsync(parse.GetValue(state) == "on", Cli.OptionalServerUrl(parse.GetValue(server)), token);
            Cli.Report(parse.GetValue(globals.Json), new DeviceApprovalSetting(required), CliJson.Default.DeviceApprovalSetting,
                required ? "New devices now need approval from an existing device." : "New devices no longer need approval.");
        }));
        return command;
    }
}
