using System.Text.Json;

namespace Symbolon.Crypto.Tests;

/// <summary>Reads the shared vectors from testdata/ (copied next to the test assembly).</summary>
internal static class TestData
{
    public static JsonElement Load(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "testdata", "vectors", fileName);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    public static byte[] Hex(this JsonElement element, string property) =>
        Convert.FromHexString(element.GetProperty(property).GetString()!);

    public static string Text(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static string DocsPath(string fileName) => Path.Combine(AppContext.BaseDirectory, "docs", fileName);
}
