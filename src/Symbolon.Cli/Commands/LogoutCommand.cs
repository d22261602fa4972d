using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon logout`.</summary>
internal static class LogoutCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var logout = new Command("logout", "End the session.");
        logout.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            await vault.LogoutAsync(token);
            Cli.Report(parse.GetValue(globals.Json), new { loggedIn = false }, "Logged out.");
        }));
        return logout;
    }
}
