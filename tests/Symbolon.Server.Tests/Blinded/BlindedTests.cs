using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Symbolon.Client;
using Symbolon.Crypto;
using Symbolon.Crypto.Oprf;
using Symbolon.Server.Audit;
using Symbolon.Server.Keys;
using Symbolon.Server.Storage;

namespace Symbolon.Server.Tests.Blinded;

/// <summary>The evaluate endpoint and the per-user POPRF key (blinded mode), driven with the RFC 9497 client.</summary>
public sealed class BlindedTests
{
    [Fact]
    public async Task An_evaluation_verifies_against_the_published_key_and_is_a_PRF_of_input_and_unit()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var key = await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync();
        var publicKey = key.GetProperty("publicKey").GetBytesFromBase64();
        var unit = await CreateBlindedUnitAsync(client);
        var other = await CreateBlindedUnitAsync(client);
        var input = RandomNumberGenerator.GetBytes(32);

        var first = await EvaluateAsync(client, publicKey, unit, input);
        var again = await EvaluateAsync(client, publicKey, unit, input);
        var otherUnit = await EvaluateAsync(client, publicKey, other, input);
        var otherInput = await EvaluateAsync(client, publicKey, unit, RandomNumberGenerator.GetBytes(32));

        Assert.Equal(1, key.GetProperty("epoch").GetInt32());
        Assert.Equal(first, again);
        Assert.NotEqual(first, otherUnit);
        Assert.NotEqual(first, otherInput);
        var events = app.WithDatabase(db => db.AuditRecords.Where(r => r.UnitId == unit).Select(r => r.Event).ToList());
        Assert.Equal(3, events.Count(e => e == AuditEvents.UnitEvaluated));
    }

    [Fact]
    public async Task A_malformed_element_is_refused_and_changes_nothing()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        await client.SendAsync(HttpMethod.Get, "/v1/oprf/key");
        var unit = await CreateBlindedUnitAsync(client);
        var records = app.WithDatabase(db => db.AuditRecords.Count());
        var buckets = app.WithDatabase(db => db.RateBuckets.Count());

        var identity = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit}/evaluate", new { blindedElement = new byte[32], epoch = 1 });
        var nonCanonical = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit}/evaluate", new { blindedElement = Enumerable.Repeat((byte)0xFF, 32).ToArray(), epoch = 1 });
        var shortElement = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unit}/evaluate", new { blindedElement = new byte[31], epoch = 1 });

        await identity.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await nonCanonical.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await shortElement.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(records, app.WithDatabase(db => db.AuditRecords.Count()));
        Assert.Equal(buckets, app.WithDatabase(db => db.RateBuckets.Count()));
    }

    [Fact]
    public async Task Blinded_and_share_units_answer_404_to_each_other_s_operations_and_a_shredded_unit_never_evaluates()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var publicKey = (await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync()).GetProperty("publicKey").GetBytesFromBase64();
        var blinded = await CreateBlindedUnitAsync(client);
        var shared = await client.CreateUnitAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await client.ReleaseAsync(blinded)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Post, $"/v1/units/{blinded}/rotate")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Evaluate(client, publicKey, shared.Id, RandomNumberGenerator.GetBytes(32))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{blinded}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Evaluate(client, publicKey, blinded, RandomNumberGenerator.GetBytes(32))).Response.StatusCode);
        using var other = await app.NewClient().SignUpAsync();
        await other.SendAsync(HttpMethod.Get, "/v1/oprf/key");
        Assert.Equal(HttpStatusCode.NotFound, (await Evaluate(other, publicKey, await CreateBlindedUnitAsync(client), RandomNumberGenerator.GetBytes(32))).Response.StatusCode);
    }

    [Fact]
    public async Task A_key_rotation_keeps_the_old_epoch_until_confirmed_then_destroys_it()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var first = (await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync()).GetProperty("publicKey").GetBytesFromBase64();
        var unit = await CreateBlindedUnitAsync(client);
        var input = RandomNumberGenerator.GetBytes(32);
        var before = await EvaluateAsync(client, first, unit, input);

        var rotated = await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/rotate")).AssertOkJsonAsync();
        var second = rotated.GetProperty("publicKey").GetBytesFromBase64();
        var oldStillWorks = await EvaluateAsync(client, first, unit, input);
        var underNew = await EvaluateAsync(client, second, unit, input, epoch: 2);
        var rotatedAgain = await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/rotate")).AssertOkJsonAsync();
        var confirmed = await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/confirm", new { epoch = 2 })).AssertOkJsonAsync();
        var oldAfterConfirm = await Evaluate(client, first, unit, input);

        Assert.Equal(2, rotated.GetProperty("epoch").GetInt32());
        Assert.Equal(2, rotatedAgain.GetProperty("epoch").GetInt32());
        Assert.Equal(rotated.GetProperty("publicKey").GetString(), rotatedAgain.GetProperty("publicKey").GetString());
        Assert.Equal([1], confirmed.GetProperty("retired").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0, confirmed.GetProperty("pendingUnits").GetInt32());
        Assert.NotEqual(first, second);
        Assert.Equal(before, oldStillWorks);
        Assert.NotEqual(before, underNew);
        Assert.Equal(HttpStatusCode.NotFound, oldAfterConfirm.Response.StatusCode);
        Assert.Empty(app.WithDatabase(db => db.OprfKeys.Single(k => k.Epoch == 1).SealedKey));
        Assert.Equal(2, (await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync()).GetProperty("epoch").GetInt32());
    }

    [Fact]
    public async Task Retiring_a_key_ends_the_grace_period_of_shredded_blinded_units_that_only_it_could_open()
    {
        using var app = new SymbolonApp();
        using var client = await app.NewClient().SignUpAsync();
        var first = (await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync()).GetProperty("publicKey").GetBytesFromBase64();
        var removed = await CreateBlindedUnitAsync(client);
        await EvaluateAsync(client, first, removed, RandomNumberGenerator.GetBytes(32));
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/v1/units/{removed}")).StatusCode);

        await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/rotate")).AssertOkJsonAsync();
        var confirmed = await (await client.SendAsync(HttpMethod.Post, "/v1/oprf/confirm", new { epoch = 2 })).AssertOkJsonAsync();
        var restore = await client.SendAsync(HttpMethod.Post, $"/v1/units/{removed}/restore");

        Assert.Equal([1], confirmed.GetProperty("retired").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, restore.StatusCode);
    }

    [Fact]
    public async Task Old_keys_stay_while_another_device_s_blinded_units_have_not_moved_to_the_new_epoch()
    {
        using var app = new SymbolonApp();
        var (laptop, phone) = (Vault(app, "laptop"), Vault(app, "phone"));
        var server = new Uri("http://localhost/");
        await laptop.CreateAccountAsync(server, "heidi", TestClient.Password);
        foreach (var vault in new[] { laptop, phone })
        {
            await vault.LoginAsync(server, "heidi", TestClient.Password);
        }

        await AddAsync(laptop, "acme", "laptop secret");
        await AddAsync(phone, "beta", "phone secret");

        var resealedOnLaptop = await laptop.RotateBlindedKeyAsync();
        var keysAfterLaptop = app.WithDatabase(db => db.OprfKeys.Count(k => k.State == UnitVersionState.Active));
        Assert.Equal("phone secret", await phone.UseAsync("beta", c => c.RevealPassword()));
        var resealedOnPhone = await phone.RotateBlindedKeyAsync();

        Assert.Equal(1, resealedOnLaptop);
        Assert.Equal(2, keysAfterLaptop);
        Assert.Equal(1, resealedOnPhone);
        Assert.Equal(1, app.WithDatabase(db => db.OprfKeys.Count(k => k.State == UnitVersionState.Active)));
        Assert.Equal("laptop secret", await laptop.UseAsync("acme", c => c.RevealPassword()));
        Assert.Equal("phone secret", await phone.UseAsync("beta", c => c.RevealPassword()));
        Assert.All(new[] { laptop, phone }, v => Assert.Equal(2u, v.List().Single().KeyVersion));
        laptop.Dispose();
        phone.Dispose();
    }

    [Fact]
    public async Task Evaluations_count_against_the_distinct_unit_quota()
    {
        using var app = new SymbolonApp(new() { ["Symbolon:Limits:DistinctUnitsPerHour"] = "2" });
        using var client = await app.NewClient().SignUpAsync();
        var publicKey = (await (await client.SendAsync(HttpMethod.Get, "/v1/oprf/key")).AssertOkJsonAsync()).GetProperty("publicKey").GetBytesFromBase64();
        var shared = await client.CreateUnitAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.ReleaseAsync(shared.Id)).StatusCode);
        await EvaluateAsync(client, publicKey, await CreateBlindedUnitAsync(client), RandomNumberGenerator.GetBytes(32));

        var third = await Evaluate(client, publicKey, await CreateBlindedUnitAsync(client), RandomNumberGenerator.GetBytes(32));

        await third.Response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "quota-exceeded");
    }

    [Fact]
    public async Task The_client_refuses_a_server_whose_key_was_swapped_before_sealing_or_opening_anything()
    {
        using var app = new SymbolonApp();
        using var vault = Vault(app, "client");
        var server = new Uri("http://localhost/");
        await vault.CreateAccountAsync(server, "grace", TestClient.Password);
        await vault.LoginAsync(server, "grace", TestClient.Password);
        await AddAsync(vault, "acme", "blinded secret");

        Assert.Equal("blinded secret", await vault.UseAsync("acme", c => c.RevealPassword()));
        SwapKey(app);

        var open = await Assert.ThrowsAsync<ProtocolException>(() => vault.UseAsync("acme", c => c.RevealPassword()));
        using var another = new Credential("bot@beta.example", "never sealed", null);
        var add = await Assert.ThrowsAsync<ProtocolException>(() => vault.AddAsync("beta", another, ItemMode.Blinded));

        Assert.Contains("does not verify against its key for epoch 1 pinned on this device", open.Message, StringComparison.Ordinal);
        Assert.Contains("different blinded-mode key for epoch 1", add.Message, StringComparison.Ordinal);
        Assert.Equal(["acme"], vault.List().Select(i => i.Name));
    }

    /// <summary>The real SDK against this in-process server, with the server's clock (DPoP proofs carry the time).</summary>
    private static VaultClient Vault(SymbolonApp app, string name) =>
        VaultClient.Open(new VaultClientOptions { HomePath = Path.Combine(app.DataDirectory, name), HttpHandler = app.Server.CreateHandler(), Time = app.Time });

    private static async Task AddAsync(VaultClient vault, string name, string password)
    {
        using var credential = new Credential($"bot@{name}.example", password, null);
        await vault.AddAsync(name, credential, ItemMode.Blinded);
    }

    /// <summary>What a compromised or misconfigured server would do: evaluate with another key under the same epoch.</summary>
    private static void SwapKey(SymbolonApp app)
    {
        var protector = app.Services.GetRequiredService<ShareProtector>();
        app.WithDatabase(db =>
        {
            var stored = db.OprfKeys.Single();
            using var replacement = OprfPrivateKey.Generate(OprfMode.Poprf);
            var scalar = new byte[OprfPrivateKey.KeySize];
            replacement.ExportUnsafe(scalar);
            stored.SealedKey = protector.ProtectOprfKey(scalar, stored.UserId, stored.Epoch);
            return db.SaveChanges();
        });
    }

    private static async Task<Guid> CreateBlindedUnitAsync(TestClient client)
    {
        var created = await (await client.SendAsync(HttpMethod.Post, "/v1/units", new { blinded = true })).AssertOkJsonAsync(HttpStatusCode.Created);
        Assert.Equal(0, created.GetProperty("version").GetInt32());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("share").ValueKind);
        return created.GetProperty("unitId").GetGuid();
    }

    /// <summary>One evaluation through the endpoint with the RFC 9497 client, proof verified: the 64-byte output.</summary>
    internal static async Task<byte[]> EvaluateAsync(TestClient client, byte[] publicKey, Guid unitId, byte[] input, int epoch = 1)
    {
        var (response, oprf, blinded) = await Evaluate(client, publicKey, unitId, input, epoch);
        using (blinded)
        {
            var json = await response.AssertOkJsonAsync();
            var output = new byte[OprfClient.OutputSize];
            oprf.Finalize(blinded, new OprfEvaluation([json.GetProperty("evaluatedElement").GetBytesFromBase64()], json.GetProperty("proof").GetBytesFromBase64()), output);
            return output;
        }
    }

    private static async Task<(HttpResponseMessage Response, OprfClient Client, OprfBlindedInput Blinded)> Evaluate(
        TestClient client, byte[] publicKey, Guid unitId, byte[] input, int epoch = 1)
    {
        var oprf = new OprfClient(OprfMode.Poprf, publicKey);
        var blinded = oprf.Blind(input, BlindedShare.Info(unitId));
        var response = await client.SendAsync(HttpMethod.Post, $"/v1/units/{unitId}/evaluate", new { blindedElement = blinded.BlindedElement.ToArray(), epoch });
        return (response, oprf, blinded);
    }
}
