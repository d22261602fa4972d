using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon set create | list`: threshold server sets.</summary>
internal static class SetCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = new Argument<string>("set") { Description = "The set's name, e.g. trio." };
        var threshold = new Option<int>("--threshold", "-t") { Description = "How many of the servers must release their shares (2..n).", Required = true };
        var members = new Option<string[]>("--server") { Description = "A member key server's URL; repeat for each, in order.", Required = true, AllowMultipleArgumentsPerToken = false };
        var create = new Command("create", "Define a server set; then log in to each member (`symbolon login --server URL`).") { name, threshold, members };
        create.SetAction((parse, token) => Cli.Run(parse, globals, vault =>
        {
            var servers = (parse.GetValue(members) ?? []).Select(Cli.ParseUrl).ToList();
            vault.DefineSet(parse.GetValue(name)!, parse.GetValue(threshold), servers);
            Cli.Report(parse.GetValue(globals.Json), vault.Sets().Single(s => s.Name == parse.GetValue(name)), CliJson.Default.ServerSet,
                $"Defined set '{parse.GetValue(name)}': any {parse.GetValue(threshold)} of {servers.Count} servers. Log in to each with `symbolon login --server URL`.");
            return Task.CompletedTask;
        }));

        var list = new Command("list", "List server sets.");
        list.SetAction((parse, token) => Cli.Run(parse, globals, vault =>
        {
            var sets = vault.Sets();
            Cli.Report(parse.GetValue(globals.Json), sets, CliJson.Default.IReadOnlyListServerSet, sets.Select(set => $"{set.Name}\t{set.Threshold} of {set.Servers.Count}\t{string.Join(" ", set.Servers)}"));
            return Task.CompletedTask;
        }));

        return new Command("set", "Threshold server sets: any t of n independent key servers release an item's key.") { create, list };
    }
}
