using System.Text.Json;

namespace Symbolon.Crypto.Tests;

/// <summary>
/// testdata/vectors/sealed-item.json was produced by an independent Node implementation of docs/spec.md; these tests
/// hold Symbolon.Crypto to it byte for byte, and the browser SDK will be held to the same file.
/// </summary>
public sealed class SealedItemVectorTests
{
    private static readonly JsonElement Document = TestData.Load("sealed-item.json");

    public static TheoryData<string> Vectors() =>
        [.. Document.GetProperty("vectors").EnumerateArray().Select(v => v.Text("name"))];

    public static TheoryData<string> Rejects() =>
        [.. Document.GetProperty("rejects").GetProperty("cases").EnumerateArray().Select(v => v.Text("name"))];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Derivations_payload_and_sealed_bytes_match(string name)
    {
        var vector = Find(name);
        var context = ContextOf(vector);
        using var rootKey = ClientRootKey.Import(vector.Hex("rootKey"));
        using var clientShare = rootKey.DeriveClientShare(context.VaultId, context.UnitId);
        using var serverShare = ServerShare.Import(vector.Hex("serverShare"));
        using var dataKey = DataKey.Derive(clientShare, serverShare, context);
        using var credential = CredentialOf(vector.GetProperty("credential"));
        using var payload = CredentialEncoding.Encode(credential);

        Assert.Equal(vector.Hex("clientShare"), clientShare.Secret.Span.ToArray());
        Assert.Equal(vector.Hex("dataKey"), dataKey.Secret.Span.ToArray());
        Assert.Equal(vector.Hex("payload"), payload.Span.ToArray());
        Assert.Equal(vector.Hex("sealedItem"), SealedItem.SealCore(dataKey, vector.Hex("nonce"), payload.Span));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector_opens_to_its_credential(string name)
    {
        var vector = Find(name);
        var sealedItem = vector.Hex("sealedItem");
        var context = SealedItem.ReadContext(sealedItem);
        using var dataKey = DeriveDataKey(vector, context);

        using var opened = SealedItem.Open(dataKey, sealedItem);

        var expected = vector.GetProperty("credential");
        Assert.Equal(ContextOf(vector), context);
        Assert.Equal(expected.Text("username"), opened.Username);
        Assert.Equal(expected.Text("password"), opened.RevealPassword());
        Assert.Equal(Optional(expected, "url"), opened.Url);
        Assert.Equal(Optional(expected, "notes"), opened.RevealNotes());
        var fields = expected.TryGetProperty("fields", out var f)
            ? f.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];
        Assert.Equal(fields.Keys.Order(StringComparer.Ordinal), opened.FieldNames);
        Assert.All(fields, pair => Assert.Equal(pair.Value, opened.RevealField(pair.Key)));
    }

    [Theory]
    [MemberData(nameof(Rejects))]
    public void Non_canonical_or_malformed_item_is_rejected(string name)
    {
        var reject = Document.GetProperty("rejects").GetProperty("cases").EnumerateArray().Single(v => v.Text("name") == name);
        var first = Document.GetProperty("vectors")[Document.GetProperty("rejects").GetProperty("keyFromVector").GetInt32()];
        using var dataKey = DeriveDataKey(first, ContextOf(first));

        var exception = Assert.Throws<ItemOpenException>(() => SealedItem.Open(dataKey, reject.Hex("sealedItem")).Dispose());

        Assert.Equal(ItemOpenException.FixedMessage, exception.Message);
    }

    [Fact]
    public void Labels_in_the_vectors_are_the_labels_in_code()
    {
        var labels = Document.GetProperty("labels");
        Assert.Equal(Labels.ClientShare, labels.Text("clientShare"));
        Assert.Equal(Labels.DataKey, labels.Text("dataKey"));
        Assert.Equal(Labels.SealedItemMagic, labels.Text("magic"));
    }

    internal static DataKey DeriveDataKey(JsonElement vector, ItemContext context)
    {
        using var rootKey = ClientRootKey.Import(vector.Hex("rootKey"));
        using var clientShare = rootKey.DeriveClientShare(context.VaultId, context.UnitId);
        using var serverShare = ServerShare.Import(vector.Hex("serverShare"));
        return DataKey.Derive(clientShare, serverShare, context);
    }

    internal static JsonElement Find(string name) =>
        Document.GetProperty("vectors").EnumerateArray().Single(v => v.Text("name") == name);

    internal static ItemContext ContextOf(JsonElement vector) => new(
        Guid.Parse(vector.Text("vaultId")),
        Guid.Parse(vector.Text("unitId")),
        vector.GetProperty("keyVersion").GetUInt32(),
        Enum.Parse<ItemMode>(vector.Text("mode"), ignoreCase: true));

    private static Credential CredentialOf(JsonElement credential) => new(
        credential.Text("username"),
        credential.Text("password"),
        Optional(credential, "url"),
        Optional(credential, "notes"),
        credential.TryGetProperty("fields", out var fields)
            ? fields.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : null);

    private static string? Optional(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.GetString() : null;
}
