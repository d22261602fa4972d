using Symbolon.Client;
using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon audit [--check]`.</summary>
internal static class AuditCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var check = new Option<bool>("--check")
        {
            Description = "Check the server's audit log: its pinned key, its newest checkpoint and its consistency with the last one seen here, and every release receipt kept here.",
        };
        var audit = new Command("audit", "Show your account's audit log.") { check };
        audit.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var json = parse.GetValue(globals.Json);
            if (parse.GetValue(check))
            {
                var result = await vault.CheckAuditAsync(token);
                // JSON carries the result even when the check fails, so a script can read which records are missing.
                if (result.Passed || json)
                {
                    var pending = result.Pending is { Count: > 0 } waiting ? $"; {waiting.Count} not yet in a checkpoint (records {string.Join(", ", waiting)})" : "";
                    var checkpoint = result.TreeSize is { } size ? $" and its checkpoint of {Plural.Count(size, "record")} is consistent with the last one seen here" : "";
                    Cli.Report(json, result, CliJson.Default.AuditCheckResult, $"Audit check passed: the server's log holds {(result.Checked == 1 ? "the" : "all")} {Plural.Count(result.Checked, "release")} recorded here{checkpoint}; {result.Included} proven included{pending}.");
                }

                if (!result.Passed)
                {
                    throw new AuditCheckFailedException(
                        $"audit check failed: the server's log no longer holds records {string.Join(", ", result.Missing)} (of {Plural.Count(result.Checked, "release")} with receipts here)");
                }

                return;
            }

            var entries = await vault.AuditAsync(token);
            if (json || !Output.IsTerminal)
            {
                Cli.Report(json, entries, CliJson.Default.IReadOnlyListAuditEntry, entries.Select(entry => $"{entry.Sequence}\t{entry.Time:u}\t{Output.Printable(entry.Event)}\t{entry.UnitId?.ToString() ?? "-"}\t{Output.Printable(entry.Detail)}"));
                return;
            }

            // At a terminal, the item's name beside its unit id; a unit no item file here holds (removed, rotated away,
            // or added on another device) shows "-".
            var names = vault.List().ToDictionary(item => item.UnitId, item => item.Name);
            Output.Table(["SEQ", "TIME", "EVENT", "ITEM", "UNIT", "DETAIL"], entries.Select(entry => new[]
            {
                $"{entry.Sequence}", $"{entry.Time:u}", Output.Printable(entry.Event),
                entry.UnitId is { } unit && names.TryGetValue(unit, out var name) ? Output.Printable(name) : "-",
                entry.UnitId?.ToString() ?? "-", Output.Printable(entry.Detail),
            }));
        }));
        return audit;
    }
}
