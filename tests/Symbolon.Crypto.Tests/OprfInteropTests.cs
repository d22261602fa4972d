using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Symbolon.Crypto.Oprf;
using Symbolon.Testing;

namespace Symbolon.Crypto.Tests;

/// <summary>
/// RFC 9497 against an independent implementation, @noble/curves (interop/oprf-peer.mjs, one Node process for the
/// class): in every mode each side plays client and server for the other, outputs agree, proofs made by one verify
/// on the other, and a tampered proof fails on both.
/// </summary>
public sealed class OprfInteropTests(NoblePeer noble) : IClassFixture<NoblePeer>
{
    private static readonly byte[][] Inputs = [[], "correct horse battery staple"u8.ToArray(), RandomNumberGenerator.GetBytes(100)];

    [Theory]
    [InlineData(OprfMode.Oprf)]
    [InlineData(OprfMode.Voprf)]
    [InlineData(OprfMode.Poprf)]
    public async Task Noble_client_and_our_server_agree(OprfMode mode)
    {
        using var key = OprfPrivateKey.Generate(mode);
        var info = InfoFor(mode);
        var blinding = await noble.CallAsync(Request("blind", mode, info, ("inputs", Inputs), ("publicKey", key.PublicKey.ToArray())));
        var blinded = Bytes(blinding, "blinded");

        var evaluation = OprfServer.BlindEvaluate(key, blinded, info);
        JsonObject FinalizeRequest(byte[] proof) => Request("finalize", mode, info,
            ("inputs", Inputs), ("blinds", Bytes(blinding, "blinds")), ("blinded", blinded), ("evaluated", evaluation.EvaluatedElements),
            ("proof", proof), ("publicKey", key.PublicKey.ToArray()), ("tweakedKey", Convert.FromHexString(blinding["tweakedKey"]!.GetValue<string>())));
        var nobleOutputs = Bytes(await noble.CallAsync(FinalizeRequest(evaluation.Proof.ToArray())), "outputs");

        // Our client, given noble's blinds, must blind to the same elements and reach the same outputs.
        var client = new OprfClient(mode, mode == OprfMode.Oprf ? [] : key.PublicKey);
        var ours = Inputs.Select((input, i) => client.Blind(input, info, Bytes(blinding, "blinds")[i])).ToList();
        var outputs = new byte[Inputs.Length * OprfClient.OutputSize];
        client.Finalize(ours, evaluation, outputs);
        Assert.Equal(blinded, ours.Select(b => b.BlindedElement.ToArray()));
        Assert.Equal(nobleOutputs, outputs.Chunk(OprfClient.OutputSize));
        ours.ForEach(b => b.Dispose());
        if (mode != OprfMode.Oprf)
        {
            var tampered = evaluation.Proof.ToArray();
            tampered[5] ^= 0x01;
            var error = await noble.CallExpectingErrorAsync(FinalizeRequest(tampered));
            Assert.Contains("verification failed", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(OprfMode.Oprf)]
    [InlineData(OprfMode.Voprf)]
    [InlineData(OprfMode.Poprf)]
    public async Task Our_client_and_noble_server_agree(OprfMode mode)
    {
        var seed = RandomNumberGenerator.GetBytes(OprfPrivateKey.SeedSize);
        var keyInfo = "symbolon interop key"u8.ToArray();
        var info = InfoFor(mode);
        var nobleKey = await noble.CallAsync(Request("deriveKeyPair", mode, info, ("seed", seed), ("keyInfo", keyInfo)));
        var secretKey = Convert.FromHexString(nobleKey["secretKey"]!.GetValue<string>());
        var publicKey = Convert.FromHexString(nobleKey["publicKey"]!.GetValue<string>());

        using (var derived = OprfPrivateKey.DeriveKeyPair(mode, seed, keyInfo))
        {
            var derivedSecret = new byte[OprfPrivateKey.KeySize];
            derived.ExportUnsafe(derivedSecret);
            Assert.Equal(secretKey, derivedSecret);
            Assert.Equal(publicKey, derived.PublicKey.ToArray());
        }

        var client = new OprfClient(mode, mode == OprfMode.Oprf ? [] : publicKey);
        var blinded = Inputs.Select(input => client.Blind(input, info)).ToList();
        try
        {
            var answer = await noble.CallAsync(Request("blindEvaluate", mode, info,
                ("secretKey", secretKey), ("publicKey", publicKey), ("blinded", blinded.Select(b => b.BlindedElement.ToArray()).ToList())));
            var evaluated = Bytes(answer, "evaluated");
            var proof = Convert.FromHexString(answer["proof"]!.GetValue<string>());
            var outputs = new byte[Inputs.Length * OprfClient.OutputSize];
            client.Finalize(blinded, new OprfEvaluation(evaluated, proof), outputs);

            for (int i = 0; i < Inputs.Length; i++)
            {
                var expected = await noble.CallAsync(Request("evaluate", mode, info, ("secretKey", secretKey), ("input", Inputs[i])));
                Assert.Equal(expected["output"]!.GetValue<string>(), Convert.ToHexStringLower(outputs, i * OprfClient.OutputSize, OprfClient.OutputSize));
            }

            if (mode != OprfMode.Oprf)
            {
                proof[40] ^= 0x01;
                var error = Assert.Throws<OprfException>(() => client.Finalize(blinded, new OprfEvaluation(evaluated, proof), outputs));
                Assert.Equal(OprfError.Verify, error.Error);
            }
        }
        finally
        {
            blinded.ForEach(b => b.Dispose());
        }
    }

    private static byte[] InfoFor(OprfMode mode) => mode == OprfMode.Poprf ? "symbolon interop info"u8.ToArray() : [];

    private static JsonObject Request(string op, OprfMode mode, byte[] info, params (string Name, object Value)[] fields)
    {
        var request = new JsonObject { ["op"] = op, ["mode"] = (int)mode, ["info"] = Convert.ToHexStringLower(info) };
        foreach (var (name, value) in fields)
        {
            request[name] = value switch
            {
                byte[] bytes => Convert.ToHexStringLower(bytes),
                IEnumerable<byte[]> list => new JsonArray([.. list.Select(bytes => (JsonNode)Convert.ToHexStringLower(bytes))]),
                _ => throw new ArgumentException($"Unexpected field {name}.", nameof(fields)),
            };
        }

        return request;
    }

    private static List<byte[]> Bytes(JsonObject answer, string name) =>
        [.. answer[name]!.AsArray().Select(node => Convert.FromHexString(node!.GetValue<string>()))];
}
