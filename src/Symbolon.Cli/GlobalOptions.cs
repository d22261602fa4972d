using System.CommandLine;

namespace Symbolon.Cli;

/// <summary>
/// The options every verb accepts, defined once on the root command (recursive, so they may follow any verb) and handed
/// to each verb's builder, which reads them from here.
/// </summary>
internal sealed record GlobalOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable output.", Recursive = true };

    public Option<string?> Home { get; } = new("--home") { Description = "Client directory (default: $SYMBOLON_HOME or the per-user data folder).", Recursive = true };

    public Option<int?> PassphraseFd { get; } = new("--passphrase-fd")
    {
        Description = "Read the passphrase that protects this device's keys from the first line of file descriptor N (as gpg does); else $SYMBOLON_PASSPHRASE, else a prompt on a terminal.",
        Recursive = true,
    };
}
