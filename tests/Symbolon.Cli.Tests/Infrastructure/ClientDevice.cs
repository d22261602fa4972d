using System.Text.Json;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// One client device: its own SYMBOLON_HOME (keys, items, session, receipts) in a temp directory, and the account it
/// signs up with, named uniquely so tests sharing a key server share nothing else.
/// </summary>
internal sealed class ClientDevice : IDisposable
{
    public const string AccountPassword = "correct horse battery staple";

    private readonly TempDirectory _home = new("client");

    public ClientDevice(string? username = null) => Username = username ?? $"user-{Guid.NewGuid():N}"[..20];

    /// <summary>A new device with a new account on <paramref name="server"/>, logged in.</summary>
    public static async Task<ClientDevice> SignedUpAsync(KeyServer server)
    {
        var device = new ClientDevice();
        try
        {
            await device.SignUpAsync(server);
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public string Username { get; }

    public string Home => _home.Path;

    public string ItemsDirectory => Path.Combine(Home, "items");

    /// <summary>SYMBOLON_IDLE_TIMEOUT for every later command, in seconds; null leaves the default (10 minutes).</summary>
    public int? IdleTimeoutSeconds { get; set; }

    /// <summary>The CLI this device runs (a symbolon.dll or a native binary); null for <see cref="CliProcess.DefaultProgram"/>.</summary>
    public string? Program { get; init; }

    /// <summary>SYMBOLON_PASSPHRASE for every later command; null sets none.</summary>
    public string? Passphrase { get; set; }

    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["SYMBOLON_HOME"] = Home };
            if (Passphrase is not null)
            {
                environment["SYMBOLON_PASSPHRASE"] = Passphrase;
            }

            if (IdleTimeoutSeconds is { } seconds)
            {
                environment["SYMBOLON_IDLE_TIMEOUT"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return environment;
        }
    }

    /// <summary>Runs `symbolon ARGS` with standard input closed at once.</summary>
    public Task<CliResult> RunAsync(params string[] arguments) => CliProcess.RunAsync(Environment, arguments, program: Program);

    /// <summary>Runs `symbolon ARGS` with <paramref name="input"/> on standard input.</summary>
    public Task<CliResult> RunWithInputAsync(string input, params string[] arguments) => CliProcess.RunAsync(Environment, arguments, input, program: Program);

    /// <summary>Runs `symbolon ARGS` on a terminal, typing each answer at its prompt (see <see cref="Terminal"/>).</summary>
    public Task<CliResult> RunOnTerminalAsync(string[] arguments, params (string Prompt, string Line)[] answers) =>
        Terminal.RunAsync(Environment, arguments, Program, answers);

    public RunningCli Start(params string[] arguments) => CliProcess.Start(Environment, arguments, program: Program);

    /// <summary>Creates this device's account on <paramref name="server"/> and logs in.</summary>
    public Task SignUpAsync(KeyServer server) => SignUpAsync(server.Url);

    /// <summary>Creates this device's account on the server at <paramref name="url"/> (a server or a balancer in front of several) and logs in.</summary>
    public async Task SignUpAsync(string url)
    {
        (await RunWithInputAsync(AccountPassword + "\n", "account", "create", "--server", url, "--username", Username, "--password-stdin")).AssertSuccess();
        await LoginAsync(url);
    }

    public Task<CliResult> LoginAsync(KeyServer server, params string[] extra) => LoginAsync(server.Url, extra);

    public async Task<CliResult> LoginAsync(string url, params string[] extra) =>
        (await RunWithInputAsync(AccountPassword + "\n", ["login", "--server", url, "--username", Username, "--password-stdin", .. extra])).AssertSuccess();

    public async Task AddAsync(string name, string username, string password, string? url = null)
    {
        var arguments = new List<string> { "add", name, "--username", username, "--password-stdin" };
        if (url is not null)
        {
            arguments.AddRange(["--url", url]);
        }

        var result = (await RunWithInputAsync(password + "\n", [.. arguments])).AssertSuccess();
        Assert.Contains($"Stored '{name}'.", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>`show NAME --reveal --json`: the item's fields, password included.</summary>
    public async Task<Dictionary<string, string>> RevealAsync(string name)
    {
        var fields = (await RunAsync("show", name, "--reveal", "--json")).AssertSuccess().Json();
        return fields.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
    }

    /// <summary>`list --json`.</summary>
    public async Task<JsonElement[]> ListAsync() => [.. (await RunAsync("list", "--json")).AssertSuccess().Json().EnumerateArray()];

    public async Task<Guid> UnitIdAsync(string name) =>
        (await ListAsync()).Single(i => i.GetProperty("name").GetString() == name).GetProperty("unitId").GetGuid();

    /// <summary>items/&lt;unit id&gt;.json, the item's file.</summary>
    public async Task<string> ItemFileAsync(string name) => Path.Combine(ItemsDirectory, $"{await UnitIdAsync(name):D}.json");

    public void Dispose() => _home.Dispose();
}
