using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon rm [--now] NAME` and `symbolon restore NAME`.</summary>
internal static class RemoveCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = CommonOptions.ItemName();
        var now = new Option<bool>("--now") { Description = "Destroy the server share at once: no restore (also for an item removed earlier)." };
        var rm = new Command("rm", "Remove an item: restorable with `symbolon restore` for the server's grace period (default 7 days), then its server share is destroyed.")
        {
            name, now,
        };
        rm.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            await vault.RemoveAsync(parse.GetValue(name)!, parse.GetValue(now), token);
            Cli.Report(parse.GetValue(globals.Json), new ItemRemoved(parse.GetValue(name)!, !parse.GetValue(now)), CliJson.Default.ItemRemoved,
                parse.GetValue(now)
                    ? $"Removed '{parse.GetValue(name)}': its server share is destroyed, so no copy of it can ever open again."
                    : $"Removed '{parse.GetValue(name)}'. `symbolon restore {parse.GetValue(name)}` brings it back within the server's grace period.");
        }));
        return rm;
    }

    public static Command CreateRestore(GlobalOptions globals)
    {
        var name = CommonOptions.ItemName();
        var restore = new Command("restore", "Bring back an item removed (without --now) within the server's grace period.") { name };
        restore.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            await vault.RestoreAsync(parse.GetValue(name)!, token);
            Cli.Report(parse.GetValue(globals.Json), new ItemRestored(parse.GetValue(name)!), CliJson.Default.ItemRestored, $"Restored '{parse.GetValue(name)}'.");
        }));
        return restore;
    }
}
