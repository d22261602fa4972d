using System.Text.Json.Nodes;
using Symbolon.Client.Modes;
using Symbolon.Crypto;
using Symbolon.Testing;

namespace Symbolon.Client.Tests.Modes;

/// <summary>
/// What one mode needs for one test: in-process key servers (each its own app, data directory and SQLite database) under
/// names of their own (https://key1.test/ …), one account on each, and a client logged in to all of them, the first being
/// the default server. A routing handler sends each request to its server's in-memory handler, or refuses it, as a
/// closed port would, while the servers are <see cref="Down"/>.
/// </summary>
internal sealed class ModeDeployment : IDisposable
{
    /// <summary>The vendor password of every item the deployment adds.</summary>
    public const string VendorPassword = "the vendor portal password";

    private const string Username = "grace";
    private const string Password = "a long enough account password";

    private readonly List<SymbolonApp> _apps;
    private readonly Router _router;
    private readonly string _home = Path.Combine(Path.GetTempPath(), "symbolon-modes-" + Guid.NewGuid().ToString("N"));

    private ModeDeployment(IItemMode mode, int count)
    {
        Mode = mode;
        _apps = [.. Enumerable.Range(0, count).Select(_ => new SymbolonApp())];
        Urls = [.. Enumerable.Range(1, count).Select(i => new Uri($"https://key{i}.test/"))];
        _router = new Router(Urls.Zip(_apps).ToDictionary(pair => pair.First.Host, pair => new HttpMessageInvoker(pair.Second.Server.CreateHandler())));
    }

    public IItemMode Mode { get; }

    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>The client, knowing the modes of the registry it was started with.</summary>
    public VaultClient Vault { get; private set; } = null!;

    /// <summary>The server set the items go to when the mode takes one ("trio", any 2 of the 3 servers), else null.</summary>
    public string? Set { get; private set; }

    /// <summary>When set, changes each JSON answer (given the request's path) before the client reads it: a misbehaving server.</summary>
    public Action<string, JsonNode>? AlterAnswer
    {
        get => _router.AlterAnswer;
        set => _router.AlterAnswer = value;
    }

    /// <summary>Every request sent so far, as (server host, path).</summary>
    public IReadOnlyList<(string Host, string Path)> Requests => [.. _router.Requests];

    /// <summary>While true, every request fails as if no server listened.</summary>
    public bool Down
    {
        get => _router.Down;
        set => _router.Down = value;
    }

    /// <summary>Starts the servers <paramref name="mode"/> needs (three for a set, else one) and a client that knows <paramref name="registry"/>.</summary>
    public static async Task<ModeDeployment> StartAsync(IItemMode mode, ItemModes registry)
    {
        var deployment = new ModeDeployment(mode, mode.TakesSet ? 3 : 1);
        try
        {
            deployment.Vault = VaultClient.Open(new VaultClientOptions { HomePath = deployment._home, HttpHandler = deployment._router, Time = deployment._apps[0].Time }, registry);
            foreach (var url in deployment.Urls.Reverse())
            {
                await deployment.Vault.CreateAccountAsync(url, Username, Password);
                await deployment.Vault.LoginAsync(url, Username, Password, makeDefault: true);
            }

            if (mode.TakesSet)
            {
                deployment.Set = "trio";
                deployment.Vault.DefineSet(deployment.Set, 2, deployment.Urls);
            }

            return deployment;
        }
        catch
        {
            deployment.Dispose();
            throw;
        }
    }

    /// <summary>Adds an item in the deployment's mode (on its set, if it takes one).</summary>
    public async Task<ItemInfo> AddAsync(string name)
    {
        using var credential = new Credential($"bot@{name}.example", VendorPassword, $"https://portal.{name}.example");
        return await Vault.AddAsync(name, credential, Mode.Mode, Set);
    }

    /// <summary>Opens the item and reads its password.</summary>
    public Task<string> RevealAsync(string name) => Vault.UseAsync(name, credential => credential.RevealPassword());

    /// <summary>The one item file in the home.</summary>
    public string ItemFile() => Directory.GetFiles(Path.Combine(_home, "items"), "*.json").Single();

    public void Dispose()
    {
        Vault?.Dispose();
        foreach (var app in _apps)
        {
            app.Dispose();
        }

        Directory.Delete(_home, recursive: true);
    }

    /// <summary>Each VaultClient disposes the handler it is given; the invokers (and the apps' handlers) outlive that.</summary>
    private sealed class Router(Dictionary<string, HttpMessageInvoker> servers) : HttpMessageHandler
    {
        public bool Down { get; set; }

        public Action<string, JsonNode>? AlterAnswer { get; set; }

        public System.Collections.Concurrent.ConcurrentQueue<(string Host, string Path)> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue((request.RequestUri!.Host, request.RequestUri.AbsolutePath));
            if (Down)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused ({request.RequestUri!.Authority}).");
            }

            var response = await servers[request.RequestUri!.Host].SendAsync(request, cancellationToken);
            if (AlterAnswer is not { } alter || response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                return response;
            }

            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            alter(request.RequestUri.AbsolutePath, answer);
            response.Content = new StringContent(answer.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            return response;
        }
    }
}
