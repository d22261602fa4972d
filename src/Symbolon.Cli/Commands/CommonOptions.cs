using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>Options and arguments that several verbs take with the same name and meaning.</summary>
internal static class CommonOptions
{
    /// <summary>The key server an account lives on (`account create`, `login`).</summary>
    public static Option<string?> Server() =>
        new("--server") { Description = "Key server URL, e.g. http://127.0.0.1:5290 (remembered after login)." };

    /// <summary>The account name (`account create`, `login`).</summary>
    public static Option<string> Username() => new("--username", "-u") { Description = "Account name.", Required = true };

    public static Option<bool> PasswordStdin() =>
        new("--password-stdin") { Description = "Read the password from the first line of standard input." };

    /// <summary>A secret reference from the command line or a template; a bad one is a usage error (exit 2) naming the part at fault.</summary>
    public static Client.SecretReference Reference(string text, string? where = null) =>
        Client.SecretReference.TryParse(text, out var reference, out var error)
            ? reference!
            : throw new UsageException((where is null ? "" : where + ": ") + Client.SecretReference.Describe(text, error!.Value), "See \"Secret references\" in docs/spec.md: symbolon://ITEM/FIELD, e.g. symbolon://acme/password.");

    public static Argument<string> ItemName() => new("name") { Description = "The item's name, e.g. acme." };
}
