using System.CommandLine;
using Symbolon.Crypto;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon show`.</summary>
internal static class ShowCommand
{
    private const string Hidden = "(hidden; use --reveal)";

    public static Command Create(GlobalOptions globals)
    {
        var name = CommonOptions.ItemName();
        var reveal = new Option<bool>("--reveal") { Description = "Also print the password." };
        var show = new Command("show", "Open an item and print its fields (the password only with --reveal).") { name, reveal };
        show.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var fields = await vault.UseAsync(parse.GetValue(name)!, credential => Fields(credential, parse.GetValue(reveal)), token);
            Cli.Report(parse.GetValue(globals.Json), fields, CliJson.Default.DictionaryStringString, fields.Select(field => $"{field.Key}: {field.Value}"));
        }));
        return show;
    }

    /// <summary>The printable fields of a credential; the password (and field values) only when revealed.</summary>
    private static Dictionary<string, string?> Fields(Credential credential, bool reveal)
    {
        var fields = new Dictionary<string, string?>
        {
            ["username"] = credential.Username,
            ["password"] = reveal ? credential.RevealPassword() : Hidden,
        };
        if (credential.Url is not null)
        {
            fields["url"] = credential.Url;
        }

        if (credential.HasNotes)
        {
            fields["notes"] = reveal ? credential.RevealNotes() : Hidden;
        }

        foreach (var field in credential.FieldNames)
        {
            fields[field] = reveal ? credential.RevealField(field) : Hidden;
        }

        return fields;
    }
}
