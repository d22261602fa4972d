using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon list`.</summary>
internal static class ListCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var list = new Command("list", "List stored items (no server contact, no secrets).");
        list.SetAction((parse, token) => Cli.Run(parse, globals, vault =>
        {
            var items = vault.List();
            Cli.Report(parse.GetValue(globals.Json), items, CliJson.Default.IReadOnlyListItemInfo, items.Select(item => $"{item.Name}\t{item.Mode.ToString().ToLowerInvariant()}\tv{item.KeyVersion}\t{item.CreatedAt:u}"));
            return Task.CompletedTask;
        }));
        return list;
    }
}
