using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
using Symbolon.Client;

namespace Symbolon.Cli.Commands;

/// <summary>
/// `symbolon inject -i TEMPLATE -o FILE`: fills every <c>{{ symbolon://ITEM/FIELD }}</c> of a text file. Every reference
/// is checked, and every item opened and every value read, before anything is written; the file is created mode 0600
/// and written atomically. To stdout (`-o -`, the default) each value is concealed unless --no-masking.
/// </summary>
internal static partial class InjectCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var input = new Option<string?>("--in-file", "-i") { Description = "The template (default, or '-': standard input)." };
        var output = new Option<string?>("--out-file", "-o") { Description = "The file to write, created mode 0600 and replaced atomically (default, or '-': standard output, values concealed)." };
        var noMasking = new Option<bool>("--no-masking") { Description = "On standard output, print the values instead of <concealed by symbolon>." };
        var inject = new Command("inject", "Fill {{ symbolon://ITEM/FIELD }} references in a template file.") { input, output, noMasking };
        inject.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var inputPath = parse.GetValue(input) is null or "-" ? null : parse.GetValue(input);
            var outputPath = parse.GetValue(output) is null or "-" ? null : Path.GetFullPath(parse.GetValue(output)!);
            string template;
            try
            {
                template = inputPath is null ? await System.Console.In.ReadToEndAsync(token) : await File.ReadAllTextAsync(inputPath, token);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read the template: {exception.Message}");
            }

            if (outputPath is not null && !Directory.Exists(Path.GetDirectoryName(outputPath)))
            {
                throw new UsageException($"cannot write {outputPath}: its directory does not exist");
            }

            var placeholders = Placeholder().Matches(template);
            var references = placeholders.Select(m => CommonOptions.Reference(m.Groups["reference"].Value, $"line {LineOf(template, m.Index)}")).ToList();
            IReadOnlyList<string> values;
            try
            {
                values = await vault.ReadAsync(references, cancellationToken: token);
            }
            catch (SecretReferenceException exception)
            {
                var at = placeholders[references.IndexOf(exception.Reference)];
                throw new UsageException($"line {LineOf(template, at.Index)}: {exception.Message}", exception.Hint);
            }

            var mask = outputPath is null && !parse.GetValue(noMasking);
            var index = 0;
            var filled = Placeholder().Replace(template, _ => mask ? Masking.SecretMasker.Replacement : values[index++]);
            if (outputPath is null)
            {
                System.Console.Out.Write(filled);
                return;
            }

            var bytes = Encoding.UTF8.GetBytes(filled);
            try
            {
                ClientHome.WriteAtomically(outputPath, bytes);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
            }
        }));
        return inject;
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    /// <summary>{{ symbolon:… }}, whitespace allowed inside the braces; the reference is parsed strictly afterwards.</summary>
    [GeneratedRegex(@"\{\{\s*(?<reference>symbolon:[^{}]*?)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
