using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon rm`.</summary>
internal static class RemoveCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = CommonOptions.ItemName();
        var rm = new Command("rm", "Remove an item: its server share is destroyed, so no copy of it can ever open again.") { name };
        rm.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            await vault.RemoveAsync(parse.GetValue(name)!, token);
            Cli.Report(parse.GetValue(globals.Json), new { removed = parse.GetValue(name) }, $"Removed '{parse.GetValue(name)}'.");
        }));
        return rm;
    }
}
