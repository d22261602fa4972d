using System.CommandLine;
using Symbolon.Crypto;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon add`.</summary>
internal static class AddCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = CommonOptions.ItemName();
        var username = new Option<string>("--username", "-u") { Description = "The vendor account's username.", Required = true };
        var url = new Option<string?>("--url") { Description = "The vendor portal's address." };
        var passwordStdin = CommonOptions.PasswordStdin();
        var set = new Option<string?>("--set") { Description = "Threshold mode: share the item's key across this server set (see `symbolon set`)." };
        var totp = new Option<bool>("--totp") { Description = "Also store a TOTP secret (otpauth://totp/ URI or base32), read from a prompt, or from the line after the password with --password-stdin." };
        var mode = new Option<string>("--mode") { Description = "split (default): the server keeps a share; blinded: the server evaluates an oblivious PRF and never sees the share.", DefaultValueFactory = _ => "split" };
        mode.AcceptOnlyFromAmong("split", "blinded");
        var add = new Command("add", "Store a credential (the password is read from a prompt or stdin, never from arguments).") { name, username, url, passwordStdin, totp, set, mode };
        add.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var itemMode = ItemModeOf(parse.GetValue(set), parse.GetValue(mode));
            var password = Secrets.Read("Vendor password", parse.GetValue(passwordStdin));
            var fields = parse.GetValue(totp) ? TotpField(Secrets.Read("TOTP secret (otpauth:// URI or base32)", parse.GetValue(passwordStdin))) : null;
            using var credential = new Credential(parse.GetValue(username)!, password, parse.GetValue(url), fields: fields);
            var info = await vault.AddAsync(parse.GetValue(name)!, credential, itemMode, parse.GetValue(set), token);
            Cli.Report(parse.GetValue(globals.Json), info, CliJson.Default.ItemInfo, $"Stored '{info.Name}'.");
        }));
        return add;
    }

    /// <summary>The extra field that holds a TOTP secret, in its canonical form; an invalid one stops the add (exit 2).</summary>
    private static Dictionary<string, string> TotpField(string text)
    {
        if (!TotpSecret.TryParse(text, out var secret, out var error))
        {
            throw new UsageException($"the TOTP secret is not valid: {error}", "Give an otpauth://totp/ URI (as a QR code holds it) or the base32 secret the portal shows (16+ characters).");
        }

        using (secret)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal) { [TotpSecret.FieldName] = secret!.RevealUri() };
        }
    }

    /// <summary>
    /// The item mode that --set and --mode ask for. A set means threshold mode, whatever --mode says, so blinded
    /// with a set is refused rather than silently ignored.
    /// </summary>
    private static ItemMode ItemModeOf(string? set, string? mode) => (set, mode) switch
    {
        (not null, "blinded") => throw new UsageException(
            "--set and --mode blinded do not go together", "A threshold item's servers hold Shamir shares; blinded items live on the default server."),
        (not null, _) => ItemMode.Threshold,
        (_, "blinded") => ItemMode.Blinded,
        _ => ItemMode.Split,
    };
}
