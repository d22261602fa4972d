using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Symbolon.Crypto;
using Symbolon.Crypto.Oprf;
using Symbolon.Testing;

namespace Symbolon.Server.Tests.Blinded;

/// <summary>
/// The evaluate endpoint against an independent RFC 9497 client, @noble/curves: through HTTP, with a real session and
/// DPoP, noble blinds, our server evaluates with the account's key and the unit id as info, and noble verifies the
/// proof and unblinds to the same output our own client reaches for the same input.
/// </summary>
public sealed class BlindedInteropTests(NoblePeer noble) : IClassFixture<NoblePeer>
{
    private const int Poprf = 2;

    [Fact]
    public async Task Noble_as_the_client_verifies_our_endpoint_s_proof_and_reaches_the_same_output_as_ours()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var publicKey = (await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync()).GetProperty("publicKey").GetBytesFromBase64();
        var unitId = (await (await client.SendAsync(HttpMethod.Post, "/v1/units", new { blinded = true })).AssertOkJsonAsync(HttpStatusCode.Created)).GetProperty("unitId").GetGuid();
        var info = BlindedShare.Info(unitId);
        var input = RandomNumberGenerator.GetBytes(BlindedShare.InputSize);

        var blinding = await noble.CallAsync(new JsonObject
        {
            ["op"] = "blind", ["mode"] = Poprf, ["info"] = Hex(info), ["inputs"] = new JsonArray(Hex(input)), ["publicKey"] = Hex(publicKey),
        });
        var blinded = Convert.FromHexString(blinding["blinded"]![0]!.GetValue<string>());
        var answer = await (await client.SendAsync(HttpMethod.Post, $"/v1/units/{unitId}/evaluate", new { blindedElement = blinded, epoch = 1 })).AssertOkJsonAsync();
        var evaluated = answer.GetProperty("evaluatedElement").GetBytesFromBase64();
        var proof = answer.GetProperty("proof").GetBytesFromBase64();
        JsonObject Finalize(byte[] withProof) => new()
        {
            ["op"] = "finalize", ["mode"] = Poprf, ["info"] = Hex(info), ["inputs"] = new JsonArray(Hex(input)),
            ["blinds"] = new JsonArray(blinding["blinds"]![0]!.GetValue<string>()), ["evaluated"] = new JsonArray(Hex(evaluated)),
            ["blinded"] = new JsonArray(Hex(blinded)), ["proof"] = Hex(withProof), ["tweakedKey"] = blinding["tweakedKey"]!.GetValue<string>(),
        };
        var nobleOutput = Convert.FromHexString((await noble.CallAsync(Finalize(proof)))["outputs"]![0]!.GetValue<string>());
        var tampered = proof.ToArray();
        tampered[^1] ^= 1;
        await noble.CallExpectingErrorAsync(Finalize(tampered));

        var ours = new OprfClient(OprfMode.Poprf, publicKey);
        using var ourBlinded = ours.Blind(input, info);
        var ourAnswer = await (await client.SendAsync(HttpMethod.Post, $"/v1/units/{unitId}/evaluate", new { blindedElement = ourBlinded.BlindedElement.ToArray(), epoch = 1 })).AssertOkJsonAsync();
        var ourOutput = new byte[OprfClient.OutputSize];
        ours.Finalize(ourBlinded, new OprfEvaluation([ourAnswer.GetProperty("evaluatedElement").GetBytesFromBase64()], ourAnswer.GetProperty("proof").GetBytesFromBase64()), ourOutput);

        Assert.Equal(ourOutput, nobleOutput);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
