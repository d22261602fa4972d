using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon passphrase set`: protect an existing client directory with a passphrase, or change it.</summary>
internal static class PassphraseCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var fromStdin = new Option<bool>("--new-passphrase-stdin") { Description = "Read the new passphrase from the first line of standard input (after the current one, with --passphrase-fd 0)." };
        var set = new Command("set", "Protect this device's root key, device key and session tokens with a passphrase, or change it; the items stay as they are.")
        {
            fromStdin,
        };
        set.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var passphrase = Secrets.ReadNew("New passphrase", parse.GetValue(fromStdin), "passphrase");
            if (passphrase.Length == 0)
            {
                throw new UsageException("the new passphrase is empty; nothing was changed", "Type a passphrase, or pass it on the first line of standard input with --new-passphrase-stdin.");
            }

            var wasProtected = vault.SecretsProtected;
            await vault.SetPassphraseAsync(passphrase, token);
            Cli.Report(parse.GetValue(globals.Json), new NewPassphrase(true, wasProtected), CliJson.Default.NewPassphrase,
                wasProtected
                    ? "Passphrase changed."
                    : $"This device's secrets in {vault.HomePath} are now protected: every command needs the passphrase (--passphrase-fd N, SYMBOLON_PASSPHRASE or the prompt). Copies made before now hold them unprotected: see the README's \"Protecting this device's secrets\".");
        }));
        return new Command("passphrase", "Manage the passphrase that protects this device's keys.") { set };
    }
}
