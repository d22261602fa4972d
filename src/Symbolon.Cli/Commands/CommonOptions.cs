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

    public static Argument<string> ItemName() => new("name") { Description = "The item's name, e.g. acme." };
}
