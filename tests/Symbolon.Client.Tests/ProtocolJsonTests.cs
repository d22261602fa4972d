using System.Net.Http.Json;
using System.Text.Json;
using Symbolon.Protocol;

namespace Symbolon.Client.Tests;

/// <summary>What the client sends must be what the contract says, on every serialisation path the client takes.</summary>
public sealed class ProtocolJsonTests
{
    [Fact]
    public async Task An_absent_share_is_written_as_null_not_as_an_empty_share()
    {
        var request = new ShareRequest(Blinded: true);

        var direct = JsonSerializer.Serialize(request, ProtocolJsonContext.Default.ShareRequest);
        var streamed = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            // Streaming serialisation moves to the generated fast path after a few small payloads.
            streamed.Add(await JsonContent.Create(request, ProtocolJsonContext.Default.ShareRequest).ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal("""{"share":null,"blinded":true}""", direct);
        Assert.All(streamed, json => Assert.Equal(direct, json));
    }
}
