using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Symbolon.Cli.Tests.Infrastructure;

namespace Symbolon.Cli.Tests;

/// <summary>
/// Issue 14, findings 7 and 8, against the real server process: every refusal at start is two lines on stderr
/// ("symbolon-server: error:" and "hint:") and exit code 1, never a stack trace; request bodies and headers are bounded.
/// </summary>
public sealed class ServerEdgeTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static TheoryData<string> Refusals() => ["plain-http", "wrong-type", "out-of-range", "data-directory", "port-in-use"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refusal_at_start_is_an_error_and_a_hint_on_stderr_with_exit_code_1(string refusal)
    {
        using var data = new TempDirectory("start");
        var port = Symbolon.Testing.PostgresCluster.FreePort();
        var loopback = $"--urls=http://127.0.0.1:{port}";
        using var occupied = refusal == "port-in-use" ? new TcpListener(IPAddress.Loopback, port) : null;
        occupied?.Start();
        var file = data.Combine("not-a-directory");
        await File.WriteAllTextAsync(file, "a file where the data directory should be", TestContext.Current.CancellationToken);
        var (dataDirectory, arguments, expected) = refusal switch
        {
            "plain-http" => (data.Path, new[] { $"--urls=http://0.0.0.0:{port}" }, "plain HTTP is allowed on loopback only"),
            "wrong-type" => (data.Path, [loopback, "--Symbolon:Sessions:IdleTimeout=half an hour"], "Symbolon:Sessions:IdleTimeout"),
            "out-of-range" => (data.Path, [loopback, "--Symbolon:LoginThrottle:FreeFailures=0"], "Symbolon:LoginThrottle:FreeFailures"),
            "data-directory" => (Path.Combine(file, "data"), [loopback], "a file or directory cannot be used: Could not find a part of the path"),
            "port-in-use" => (data.Path, [loopback], "already in use"),
            _ => throw new ArgumentOutOfRangeException(nameof(refusal)),
        };

        var (exitCode, output, error) = await KeyServer.RunToEndAsync(dataDirectory, ["serve", .. arguments]);

        Assert.True(exitCode == 1, $"exit code {exitCode}; stderr:{Environment.NewLine}{error}{Environment.NewLine}stdout:{Environment.NewLine}{output}");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, line => line.StartsWith("symbolon-server: error: ", StringComparison.Ordinal) && line.Contains(expected, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("symbolon-server: hint: ", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_refused_with_413_and_headers_over_16_KiB_with_431()
    {
        await using var server = await KeyServer.StartAsync();
        var accounts = new Uri(server.Url + "/v1/accounts");

        using var large = new StringContent(JsonSerializer.Serialize(new { username = "large-body", password = new string('p', 70 * 1024) }), Encoding.UTF8, "application/json");
        using var tooLarge = await Http.PostAsync(accounts, large, TestContext.Current.CancellationToken);
        using var fits = new StringContent(JsonSerializer.Serialize(new { username = "fitting-body", password = new string('p', 60 * 1024) }), Encoding.UTF8, "application/json");
        using var fitting = await Http.PostAsync(accounts, fits, TestContext.Current.CancellationToken);
        using var bigHeaders = new HttpRequestMessage(HttpMethod.Get, server.Url + "/healthz");
        bigHeaders.Headers.Add("X-Padding", new string('h', 20 * 1024));
        using var headersTooLarge = await Http.SendAsync(bigHeaders, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await tooLarge.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("https://symbolon.dev/problems/request-too-large", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, fitting.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, headersTooLarge.StatusCode);
    }
}
