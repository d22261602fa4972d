using System.CommandLine;
using Symbolon.Client;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon read symbolon://ITEM/FIELD`: one value on stdout (docs/spec.md §4.2).</summary>
internal static class ReadCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var reference = new Argument<string>("reference") { Description = "symbolon://ITEM/FIELD (field: username, password, url, notes, totp or an extra field)." };
        var noNewline = new Option<bool>("--no-newline", "-n") { Description = "Do not end the value with a newline (it always ends with one otherwise, piped or not)." };
        var read = new Command("read", "Print one value of an item, named by a secret reference; totp prints the current code.") { reference, noNewline };
        read.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var parsed = CommonOptions.Reference(parse.GetValue(reference)!);
            var value = (await vault.ReadAsync([parsed], cancellationToken: token))[0];
            System.Console.Out.Write(parse.GetValue(noNewline) ? value : value + "\n");
        }));
        return read;
    }
}
