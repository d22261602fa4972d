using System.CommandLine;
using Symbolon.Client;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon login`.</summary>
internal static class LoginCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var server = CommonOptions.Server();
        var username = CommonOptions.Username();
        var passwordStdin = CommonOptions.PasswordStdin();
        var newDevice = new Option<bool>("--new-device") { Description = "Enrol a fresh device key (after this device was revoked)." };
        var makeDefault = new Option<bool>("--make-default")
        {
            Description = "Make this server the default (where new items go) even though another one is; the first server logged in to is the default anyway.",
        };
        var login = new Command("login", "Log in (enrols this device on first use).") { server, username, passwordStdin, newDevice, makeDefault };
        login.SetAction((parse, token) => Cli.Run(
            parse,
            globals,
            async vault =>
            {
                var url = Cli.ServerUrl(parse.GetValue(server), vault);
                await vault.LoginAsync(url, parse.GetValue(username)!, Secrets.Read("Password", parse.GetValue(passwordStdin)), parse.GetValue(makeDefault), token);
                Cli.Report(parse.GetValue(globals.Json), vault.Status(), CliJson.Default.SessionStatus, $"Logged in to {url} as {parse.GetValue(username)}.");
            },
            beforeOpen: options =>
            {
                // Before the vault opens, because opening loads the device key that a revoked device must not reuse.
                if (parse.GetValue(newDevice))
                {
                    VaultClient.ResetDevice(options);
                }
            }));
        return login;
    }
}
