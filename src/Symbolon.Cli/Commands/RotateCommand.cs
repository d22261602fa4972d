using Symbolon.Client;
using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon rotate NAME | --all | --server-key`.</summary>
internal static class RotateCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = new Argument<string?>("name") { Description = "The item to rotate.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Rotate every item." };
        var serverKey = new Option<bool>("--server-key") { Description = "Rotate the default server's blinded-mode key (a new key epoch) and re-seal every blinded item under it." };
        var rotate = new Command("rotate", "Re-seal items under new server shares and retire the old ones.") { name, all, serverKey };
        rotate.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var json = parse.GetValue(globals.Json);
            var single = parse.GetValue(name);
            if ((parse.GetValue(all) ? 1 : 0) + (parse.GetValue(serverKey) ? 1 : 0) + (single is null ? 0 : 1) != 1)
            {
                throw new UsageException("give one of: an item name, --all, --server-key", "symbolon rotate acme   or   symbolon rotate --all   or   symbolon rotate --server-key");
            }

            if (parse.GetValue(serverKey))
            {
                var resealed = await vault.RotateBlindedKeyAsync(new ProgressBar(quiet: json), token);
                Cli.Report(json, new ServerKeyRotated(true, resealed), CliJson.Default.ServerKeyRotated, $"Rotated the server's blinded-mode key; re-sealed {resealed} blinded items.");
                return;
            }

            if (single is not null)
            {
                await vault.RotateAsync(single, token);
                Cli.Report(json, new ItemRotated([single]), CliJson.Default.ItemRotated, $"Rotated '{single}'.");
                return;
            }

            var total = vault.List().Count;
            await vault.RotateAllAsync(new ProgressBar(quiet: json), token);
            Cli.Report(json, new ItemsRotated(total), CliJson.Default.ItemsRotated, $"Rotated {Plural.Count(total, "item")}.");
        }));
        return rotate;
    }

    /// <summary>Progress on stderr: a redrawn bar on a terminal, one line per item otherwise.</summary>
    private sealed class ProgressBar(bool quiet) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value)
        {
            if (quiet)
            {
                return;
            }

            const int Width = 30;
            var filled = value.Total == 0 ? Width : value.Done * Width / value.Total;
            var bar = $"[{new string('#', filled)}{new string('.', Width - filled)}] {value.Done}/{value.Total}";
            if (System.Console.IsErrorRedirected)
            {
                System.Console.Error.WriteLine($"rotate: {bar}");
            }
            else
            {
                System.Console.Error.Write($"\r{bar}{(value.Done == value.Total ? "\n" : "")}");
            }
        }
    }
}
