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
            // Every intact item is listed; damaged or altered files then fail the command (exit 7), each named.
            var (items, damaged) = vault.Inventory();
            Cli.Report(parse.GetValue(globals.Json), items, CliJson.Default.IReadOnlyListItemInfo, ["NAME", "MODE", "KEY", "CREATED"],
                items.Select(item => new[] { item.Name, item.Mode.ToString().ToLowerInvariant(), $"v{item.KeyVersion}", $"{item.CreatedAt:u}" }));
            return damaged.Count == 0 ? Task.CompletedTask : throw Client.Items.ItemStore.Tampered(damaged);
        }));
        return list;
    }
}
