using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// Threshold mode end to end: three real key server processes on loopback, a 2-of-3 set, the real CLI. Each test
/// starts its own servers because each stops, revokes or corrupts some of them.
/// </summary>
public sealed class ThresholdTests
{
    private const string Password = "acme-threshold-password";

    [Fact]
    public async Task An_item_opens_with_any_two_of_three_servers_and_names_the_missing_ones_when_two_are_down()
    {
        await using var trio = await Trio.StartAsync();
        await trio.AddAsync("acme");

        var items = await trio.Device.ListAsync();
        Assert.Equal("threshold", Assert.Single(items).GetProperty("mode").GetString());
        Assert.All(trio.Servers, server => Assert.Equal(1, server.UnitCount(trio.Device.Username)));
        Assert.Equal(Password, (await trio.Device.RevealAsync("acme"))["password"]);

        await trio.Servers[2].StopAsync();
        Assert.Equal(Password, (await trio.Device.RevealAsync("acme"))["password"]);

        await trio.Servers[1].StopAsync();
        var failed = (await trio.Device.RunAsync("show", "acme", "--reveal")).AssertFailure(ExitCodes.ServerUnreachable, "1 of 3 key servers released a share and 2 are needed");
        Assert.Contains(trio.Urls[1], failed.ErrorLine, StringComparison.Ordinal);
        Assert.Contains(trio.Urls[2], failed.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain(trio.Urls[0], failed.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, failed.Stdout + failed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_while_one_member_wants_a_recent_login_asks_for_the_password_and_every_member_shreds()
    {
        await using var trio = await Trio.StartAsync();
        await trio.AddAsync("acme");
        var units = trio.Servers.Select(server => Assert.Single(server.UnitIds(trio.Device.Username))).ToList();
        Assert.True(trio.Servers[1].AgeLogins(trio.Device.Username, TimeSpan.FromMinutes(10)) > 0);

        var removed = (await trio.Device.RunWithInputAsync(ClientDevice.AccountPassword + "\n", "rm", "acme")).AssertSuccess();

        Assert.Contains($"{trio.Urls[1]}/ wants a recent login", removed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("still hold", removed.Stderr, StringComparison.Ordinal);
        Assert.All(trio.Servers.Zip(units), pair => Assert.NotNull(pair.First.ShreddedAt(pair.Second)));
    }

    [Fact]
    public async Task A_server_whose_answers_are_corrupted_is_named_and_the_item_still_opens()
    {
        // Server 1's answers are corrupted on the way; server 3's are held until 1's and 2's have reached the client,
        // so the first two shares in hand do not open the item and the client must find the good pair once 3 answers.
        await using var trio = await Trio.StartAsync(proxied: true);
        await trio.AddAsync("acme");
        trio.Corrupt(0);
        trio.HoldUntilTheOthersAnswered(2);

        var opened = (await trio.Device.RunAsync("show", "acme", "--reveal", "--json")).AssertSuccess();

        Assert.Equal(Password, opened.Json().GetProperty("password").GetString());
        var warning = Assert.Single(opened.StderrLines, line => line.StartsWith("symbolon: warning:", StringComparison.Ordinal));
        Assert.Contains($"{trio.Urls[0]}/ returned a bad share for 'acme'", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(trio.Urls[1], warning, StringComparison.Ordinal);
        Assert.DoesNotContain(trio.Urls[2], warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_whose_answers_do_not_fit_the_protocol_fails_alone()
    {
        await using var trio = await Trio.StartAsync(proxied: true);
        await trio.AddAsync("acme");
        trio.Garble(1);
        trio.HoldUntilTheOthersAnswered(2);

        var opened = (await trio.Device.RunAsync("show", "acme", "--reveal", "--json")).AssertSuccess();

        Assert.Equal(Password, opened.Json().GetProperty("password").GetString());
    }

    [Fact]
    public async Task A_device_revoked_on_two_servers_is_denied()
    {
        await using var trio = await Trio.StartAsync();
        await trio.AddAsync("acme");
        using var phone = new ClientDevice(trio.Device.Username);
        for (var i = 0; i < 2; i++)
        {
            await phone.LoginAsync(trio.Urls[i]);
            var laptop = (await trio.Device.RunAsync("devices", "list", "--json", "--server", trio.Urls[i])).AssertSuccess().Json()
                .EnumerateArray().Single(d => d.GetProperty("current").GetBoolean()).GetProperty("id").GetString()!;
            (await phone.RunAsync("devices", "revoke", laptop, "--server", trio.Urls[i])).AssertSuccess();
        }

        var denied = (await trio.Device.RunAsync("show", "acme", "--reveal")).AssertFailure(ExitCodes.Denied, "revoked");

        Assert.Contains(trio.Urls[0], denied.ErrorLine, StringComparison.Ordinal);
        Assert.Contains(trio.Urls[1], denied.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_with_one_server_down_succeeds_and_the_item_can_never_open_again()
    {
        await using var trio = await Trio.StartAsync();
        await trio.AddAsync("acme");
        var file = await trio.Device.ItemFileAsync("acme");
        var copy = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
        await trio.Servers[2].StopAsync();

        var removed = (await trio.Device.RunAsync("rm", "acme")).AssertSuccess();

        var warning = Assert.Single(removed.StderrLines, line => line.StartsWith("symbolon: warning:", StringComparison.Ordinal));
        Assert.Contains("is removed (2 of 3 shares shredded, destroyed when the grace period ends)", warning, StringComparison.Ordinal);
        Assert.Contains(trio.Urls[2], warning, StringComparison.Ordinal);
        Assert.Empty(await trio.Device.ListAsync());

        // Even with every server back and the item file restored from a backup, two shares are gone for good.
        await trio.Servers[2].StartAsync();
        await File.WriteAllBytesAsync(file, copy, TestContext.Current.CancellationToken);
        var reopened = (await trio.Device.RunAsync("show", "acme", "--reveal")).AssertFailure(ExitCodes.NotFound, "cannot be opened");
        Assert.DoesNotContain(Password, reopened.Stdout + reopened.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_item_removed_with_one_server_down_is_restored_by_any_two_and_opens()
    {
        await using var trio = await Trio.StartAsync();
        await trio.AddAsync("acme");
        var third = Assert.Single(trio.Servers[2].UnitIds(trio.Device.Username));
        await trio.Servers[2].StopAsync();
        (await trio.Device.RunAsync("rm", "acme")).AssertSuccess();
        await trio.Servers[2].StartAsync();
        await trio.Servers[0].StopAsync();
        await trio.Servers[1].StopAsync();

        // Only server 3 answers (its unit, which the removal missed, is live): one share is not enough, and it is shredded.
        (await trio.Device.RunAsync("restore", "acme")).AssertFailure(ExitCodes.ServerUnreachable, "1 of 3 key servers restored their shares (shredded again)");
        Assert.NotNull(trio.Servers[2].ShreddedAt(third));
        Assert.Empty(await trio.Device.ListAsync());

        await trio.Servers[1].StartAsync();
        var restored = (await trio.Device.RunAsync("restore", "acme")).AssertSuccess();

        // Servers 2 and 3 restored their shredded units; server 1 is down.
        var warning = Assert.Single(restored.StderrLines, line => line.StartsWith("symbolon: warning:", StringComparison.Ordinal));
        Assert.Contains("'acme' is restored with 2 of 3 shares", warning, StringComparison.Ordinal);
        Assert.Contains(trio.Urls[0], warning, StringComparison.Ordinal);
        Assert.DoesNotContain(trio.Urls[1], warning, StringComparison.Ordinal);
        Assert.Equal(Password, (await trio.Device.RevealAsync("acme"))["password"]);
    }

    [Fact]
    public async Task Rotation_reshares_to_every_server_and_the_old_shares_are_destroyed()
    {
        await using var trio = await Trio.StartAsync();
        await trio.AddAsync("acme");

        (await trio.Device.RunAsync("rotate", "acme")).AssertSuccess();

        Assert.Equal(2, (await trio.Device.ListAsync())[0].GetProperty("keyVersion").GetInt32());
        Assert.Equal(Password, (await trio.Device.RevealAsync("acme"))["password"]);
        foreach (var server in trio.Servers)
        {
            var unitId = Assert.Single(server.UnitIds(trio.Device.Username));
            var versions = server.Versions(unitId);
            Assert.Equal([1, 2], versions.Select(v => v.Version));
            Assert.Equal(0, versions[0].SealedShareLength);
            Assert.Equal(2, server.CurrentVersion(unitId));
        }
    }

    /// <summary>Three key servers (optionally each behind a proxy that can corrupt or delay its answers), one device logged in to all, set "trio" = 2 of 3.</summary>
    private sealed class Trio : IAsyncDisposable
    {
        /// <summary>How long a client under load may take to read an answer already on its socket (thread injection runs every 0.5 s).</summary>
        private static readonly TimeSpan ClientLag = TimeSpan.FromSeconds(2);

        private readonly List<TcpBalancer> _proxies = [];

        private Trio(KeyServer[] servers, ClientDevice device)
        {
            Servers = servers;
            Device = device;
        }

        public KeyServer[] Servers { get; }

        public ClientDevice Device { get; }

        /// <summary>The URLs the set names: the servers', or their proxies'.</summary>
        public List<string> Urls { get; } = [];

        public static async Task<Trio> StartAsync(bool proxied = false)
        {
            var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => KeyServer.StartAsync()));
            var trio = new Trio(servers, new ClientDevice());
            foreach (var server in servers)
            {
                trio.Urls.Add(proxied ? trio.AddProxy(server).Url : server.Url);
            }

            foreach (var url in trio.Urls)
            {
                await trio.Device.SignUpAsync(url);
            }

            string[] create = ["set", "create", "trio", "--threshold", "2", .. trio.Urls.SelectMany(u => new[] { "--server", u })];
            (await trio.Device.RunAsync(create)).AssertSuccess();
            return trio;
        }

        public async Task AddAsync(string name)
        {
            var added = (await Device.RunWithInputAsync(Password + "\n", "add", name, "--username", "bot@acme.example", "--password-stdin", "--set", "trio")).AssertSuccess();
            Assert.Contains($"Stored '{name}'.", added.Stdout, StringComparison.Ordinal);
        }

        /// <summary>From now on, server <paramref name="index"/>'s answers reach the client with every share altered.</summary>
        public void Corrupt(int index) => _proxies[index].Tamper = TcpBalancer.CorruptShares;

        /// <summary>From now on, server <paramref name="index"/>'s answers reach the client with their "share" member renamed.</summary>
        public void Garble(int index) => _proxies[index].Tamper = TcpBalancer.GarbleShares;

        /// <summary>
        /// Server <paramref name="index"/>'s next shares reach the client only after both other servers' shares have,
        /// and then <see cref="ClientLag"/> later: bytes passed on first are not always read first by a busy client
        /// (its continuations queue on a starved thread pool), and nothing on the wire shows when it has read them.
        /// </summary>
        public void HoldUntilTheOthersAnswered(int index)
        {
            var others = _proxies.Where((_, i) => i != index).Select(p => (Proxy: p, Before: p.SharesForwarded)).ToList();
            _proxies[index].HoldShares = async () =>
            {
                for (var waited = 0; waited < 3000 && others.Any(o => o.Proxy.SharesForwarded == o.Before); waited++)
                {
                    await Task.Delay(10);
                }

                await Task.Delay(ClientLag);
            };
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var proxy in _proxies)
            {
                await proxy.DisposeAsync();
            }

            foreach (var server in Servers)
            {
                await server.DisposeAsync();
            }

            Device.Dispose();
        }

        private TcpBalancer AddProxy(KeyServer server)
        {
            var proxy = new TcpBalancer(() => server.Port);
            _proxies.Add(proxy);
            return proxy;
        }
    }
}
