using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon logout`.</summary>
internal static class LogoutCommand
{
    public static Command Create(GlobalOptions globals)
    {
        // `lock` is the same: the session ends on every key server, and the tokens here are deleted.
        var everywhere = new Option<bool>("--everywhere") { Description = "End every session of the account, on every device (the default server's)." };
        var logout = new Command("logout", "End the sessions on every key server now (also `symbolon lock`).") { everywhere };
        logout.Aliases.Add("lock");
        logout.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            if (parse.GetValue(everywhere))
            {
                await vault.LogoutEverywhereAsync(token);
                Cli.Report(parse.GetValue(globals.Json), new LoggedOutEverywhere(false, true), CliJson.Default.LoggedOutEverywhere, "Logged out everywhere: every session of the account has ended.");
                return;
            }

            await vault.LogoutAsync(token);
            Cli.Report(parse.GetValue(globals.Json), new LoggedOut(false), CliJson.Default.LoggedOut, "Logged out.");
        }));
        return logout;
    }
}
