using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon account create`.</summary>
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
            await vault.CreateAccountAsync(url, parse.GetValue(username)!, Secrets.Read("Password", parse.GetValue(passwordStdin)), token);
            Cli.Report(parse.GetValue(globals.Json), new { created = parse.GetValue(username), server = url }, $"Account '{parse.GetValue(username)}' created on {url}.");
        }));
        return new Command("account", "Manage your account on a key server.") { create };
    }
}
