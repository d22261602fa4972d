using Symbolon.Client;
using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon status`.</summary>
internal static class StatusCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var status = new Command("status", "Show the session and the vault.");
        status.SetAction((parse, token) => Cli.Run(parse, globals, vault =>
        {
            var state = vault.Status();
            if (!vault.SecretsProtected)
            {
                Output.Warning(
                    $"this device's secrets are not protected: the root key, the device key and the session tokens in {vault.HomePath} can be used by anyone who can read the disk.",
                    "Run `symbolon passphrase set` to protect them; see the README's \"Protecting this device's secrets\".");
            }

            var items = vault.List().Count;
            Cli.Report(parse.GetValue(globals.Json), new StatusReport(state.LoggedIn, state.Server, state.Username, state.DeviceId, state.LocksAt, items, vault.HomePath), CliJson.Default.StatusReport,
                state.LoggedIn
                    ? $"Logged in to {state.Server} as {state.Username}; locks at {state.LocksAt:u} if unused. {Plural.Count(items, "item")} in {vault.HomePath}."
                    : $"Not logged in{(state.Server is null ? "" : $" (server {state.Server})")}. {Plural.Count(items, "item")} in {vault.HomePath}.");
            return Task.CompletedTask;
        }));
        return status;
    }
}
