using System.Text;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>Splits one POSIX shell command line into words: blanks separate, quotes and backslashes as in sh.</summary>
internal static class ShellWords
{
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var index = 0; index < line.Length; index++)
        {
            var character = line[index];
            switch (character)
            {
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                case '\'':
                    var close = line.IndexOf('\'', index + 1);
                    Assert.True(close > 0, $"unterminated ' in: {line}");
                    word.Append(line, index + 1, close - index - 1);
                    index = close;
                    inWord = true;
                    break;
                case '"':
                    index++;
                    while (index < line.Length && line[index] != '"')
                    {
                        if (line[index] == '\\' && index + 1 < line.Length && line[index + 1] is '"' or '\\' or '$' or '`')
                        {
                            index++;
                        }

                        word.Append(line[index]);
                        index++;
                    }

                    Assert.True(index < line.Length, $"unterminated \" in: {line}");
                    inWord = true;
                    break;
                case '\\' when index + 1 < line.Length:
                    word.Append(line[++index]);
                    inWord = true;
                    break;
                default:
                    word.Append(character);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
