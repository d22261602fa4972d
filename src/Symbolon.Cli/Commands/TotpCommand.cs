using System.CommandLine;
using Symbolon.Client;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon totp NAME`: the item's current TOTP code; opening the item is a release like any other use.</summary>
internal static class TotpCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = CommonOptions.ItemName();
        var totp = new Command("totp", "Print the item's current one-time code (with --json also the seconds it stays valid and the period).") { name };
        totp.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var code = await vault.UseAsync(parse.GetValue(name)!, credential =>
            {
                using var secret = SecretReferences.TotpOf(credential, parse.GetValue(name)!);
                var now = TimeProvider.System.GetUtcNow();
                return new TotpCode(secret.Code(now), secret.SecondsLeft(now), secret.Period);
            }, token);
            Cli.Report(parse.GetValue(globals.Json), code, CliJson.Default.TotpCode, code.Code);
        }));
        return totp;
    }
}

/// <summary>`totp --json`: the code, how many seconds it stays current, and the period.</summary>
internal sealed record TotpCode(string Code, int SecondsLeft, int Period);
