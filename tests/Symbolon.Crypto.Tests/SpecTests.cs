using System.Reflection;

namespace Symbolon.Crypto.Tests;

/// <summary>The spec is the contract other languages implement: every label in code must appear in it verbatim.</summary>
public sealed class SpecTests
{
    [Fact]
    public void Every_label_constant_appears_verbatim_in_the_spec()
    {
        var spec = File.ReadAllText(TestData.DocsPath("spec.md"));
        // Labels only the library itself uses are internal; the spec must hold those too.
        var labels = typeof(Labels).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToList();

        Assert.NotEmpty(labels);
        Assert.All(labels, label => Assert.Contains($"\"{label}\"", spec, StringComparison.Ordinal));
    }
}
