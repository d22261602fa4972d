using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Symbolon.Protocol;

namespace Symbolon.Server.Tests;

/// <summary>
/// The OpenAPI document is the contract the TypeScript client is generated from, so it must say exactly what the
/// Protocol records are, and the committed copy (docs/openapi/v1.json) must be what the server serves.
/// </summary>
public sealed class OpenApiTests
{
    private const string UpdateVariable = "SYMBOLON_UPDATE_OPENAPI";

    private static readonly string CommittedPath = Path.Combine(
        typeof(OpenApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "docs", "openapi", "v1.json");

    [Fact]
    public async Task The_committed_document_is_the_one_the_server_serves()
    {
        var served = Normalise(await ServedDocumentAsync());
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(CommittedPath)!);
            await File.WriteAllTextAsync(CommittedPath, served, TestContext.Current.CancellationToken);
        }

        var committed = File.Exists(CommittedPath) ? Normalise(await File.ReadAllTextAsync(CommittedPath, TestContext.Current.CancellationToken)) : "(missing)";
        Assert.True(committed == served,
            $"docs/openapi/v1.json is stale: regenerate it with `{UpdateVariable}=1 dotnet test --project tests/Symbolon.Server.Tests --filter-class '*OpenApiTests'`, then regenerate the TypeScript types from it.");
    }

    [Fact]
    public async Task Every_schema_is_a_protocol_record_described_exactly()
    {
        var schemas = JsonNode.Parse(await ServedDocumentAsync())!["components"]!["schemas"]!.AsObject();
        var records = ProtocolTypes().ToDictionary(type => type.Name);

        foreach (var (name, schema) in schemas)
        {
            if (name is "ProblemDetails" or "PublicJwk")
            {
                continue;
            }

            Assert.True(records.TryGetValue(name, out var type), $"The schema {name} is not a Symbolon.Protocol record: a server type leaked into the contract.");
            AssertDescribes(ProtocolJsonContext.Default.GetTypeInfo(type)!, schema!.AsObject());
        }

        // Every record reachable from an endpoint is in the document (requests, responses and what they contain).
        foreach (var name in new[] { "SessionResponse", "ReleaseResponse", "ReceiptView", "EvaluateResponse", "UnitView", "VersionView", "AuditRecordView", "AuditVerification" })
        {
            Assert.True(schemas.ContainsKey(name), $"The document has no schema for {name}.");
        }
    }

    [Fact]
    public async Task Routes_document_their_authentication_and_problems()
    {
        var document = JsonNode.Parse(await ServedDocumentAsync())!;
        var paths = document["paths"]!.AsObject();
        var release = paths["/v1/units/{id}/release"]!["post"]!;
        var login = paths["/v1/sessions"]!["post"]!;
        var verify = paths["/v1/audit/verify"]!["get"]!;

        Assert.Equal("DPoP", document["components"]!["securitySchemes"]!["DPoP"]!["scheme"]!.GetValue<string>());
        Assert.NotNull(release["security"]![0]!["DPoP"]);
        Assert.Contains(release["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "DPoP" && p["in"]!.GetValue<string>() == "header" && p["required"]!.GetValue<bool>());
        foreach (var status in new[] { "400", "401", "403", "404", "429", "500" })
        {
            Assert.Equal("#/components/schemas/ProblemDetails", release["responses"]![status]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
        }

        Assert.Contains(ProblemTypes.Uri(ProblemTypes.QuotaExceeded), release["responses"]!["429"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(release["responses"]!["429"]!["headers"]!["Retry-After"]);
        Assert.Contains(login["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "DPoP");
        Assert.Null(login["security"]![0]!["DPoP"]);
        Assert.NotNull(verify["security"]![0]!["OperatorToken"]);
        Assert.Contains(ProblemTypes.Uri(ProblemTypes.OperatorRequired), verify["responses"]!["401"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(paths["/v1/audit/key"]!["get"]!["security"]);
        Assert.Equal(
            ProblemTypes.All.Select(ProblemTypes.Uri).Order(StringComparer.Ordinal),
            document["components"]!["schemas"]!["ProblemDetails"]!["properties"]!["type"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_problem_type_is_documented_with_its_status()
    {
        var api = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(CommittedPath))!, "api.md"));
        foreach (var slug in ProblemTypes.All)
        {
            Assert.Contains($"| `{slug}` | {ProblemTypes.StatusOf(slug)} |", api, StringComparison.Ordinal);
        }
    }

    /// <summary>Names, required members, nullability, types and formats of one record against its schema.</summary>
    private static void AssertDescribes(JsonTypeInfo record, JsonObject schema)
    {
        var name = record.Type.Name;
        if (record.Type.IsEnum)
        {
            var values = schema["enum"]!.AsArray().Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal);
            var expected = Enum.GetValues(record.Type).Cast<object>().Select(v => JsonSerializer.Serialize(v, record.Type, ProtocolJsonContext.Default).Trim('"'));
            Assert.Equal(expected.Order(StringComparer.Ordinal), values);
            return;
        }

        Assert.Equal(JsonTypeInfoKind.Object, record.Kind);
        var properties = schema["properties"]!.AsObject();
        Assert.Equal(record.Properties.Select(p => p.Name).Order(StringComparer.Ordinal), properties.Select(p => p.Key).Order(StringComparer.Ordinal));
        var required = schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var property in record.Properties)
        {
            var where = $"{name}.{property.Name}";
            var isRequired = property.IsRequired || property.AssociatedParameter is { HasDefaultValue: false };
            Assert.True(isRequired == required.Contains(property.Name), $"{where}: required is {isRequired} in the record, {!isRequired} in the document.");
            AssertType(where, property.PropertyType, property.IsGetNullable, properties[property.Name]!.AsObject());
        }
    }

    private static void AssertType(string where, Type type, bool nullable, JsonObject schema)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        nullable = nullable && (underlying is not null || !type.IsValueType);
        type = underlying ?? type;
        if (schema["$ref"] is { } reference)
        {
            Assert.False(nullable, $"{where}: a nullable reference must not be a bare $ref.");
            Assert.Equal("#/components/schemas/" + (type == typeof(JsonElement) ? "PublicJwk" : type.Name), reference.GetValue<string>());
            return;
        }

        var (jsonType, format) = type switch
        {
            _ when type == typeof(string) => ("string", null),
            _ when type == typeof(Guid) => ("string", "uuid"),
            _ when type == typeof(DateTimeOffset) => ("string", "date-time"),
            _ when type == typeof(byte[]) => ("string", "byte"),
            _ when type == typeof(int) => ("integer", "int32"),
            _ when type == typeof(long) => ("integer", "int64"),
            _ when type == typeof(bool) => ("boolean", null),
            _ when type == typeof(JsonElement) => ("object", null),
            _ when ElementType(type) is not null => ("array", null),
            _ => throw new InvalidOperationException($"{where}: no expectation for {type}."),
        };
        var types = schema["type"] is JsonArray array ? array.Select(t => t!.GetValue<string>()).ToHashSet() : [schema["type"]!.GetValue<string>()];
        Assert.True(types.SetEquals(nullable ? [jsonType, "null"] : [jsonType]), $"{where}: type {string.Join("|", types)}, expected {jsonType}{(nullable ? "|null" : "")}.");
        Assert.Equal(format, schema["format"]?.GetValue<string>());
        Assert.Null(schema["pattern"]);
        if (ElementType(type) is { } element)
        {
            AssertType(where + "[]", element, nullable: false, schema["items"]!.AsObject());
        }
    }

    private static Type? ElementType(Type type) =>
        type == typeof(byte[]) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0]
        : null;

    /// <summary>Every record and enum the Protocol assembly exports (the static route, header and problem-type tables are not schemas).</summary>
    private static IEnumerable<Type> ProtocolTypes() =>
        typeof(Routes).Assembly.GetExportedTypes().Where(t => !(t.IsAbstract && t.IsSealed) && !typeof(System.Text.Json.Serialization.JsonSerializerContext).IsAssignableFrom(t));

    private static async Task<string> ServedDocumentAsync()
    {
        using var app = new SymbolonApp();
        using var http = app.CreateClient();
        return await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken);
    }

    private static string Normalise(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";
}
