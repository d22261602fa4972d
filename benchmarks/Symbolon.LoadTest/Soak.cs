using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Symbolon.Crypto;
using Symbolon.Crypto.Dpop;
using Symbolon.Crypto.Oprf;
using Symbolon.Protocol;

namespace Symbolon.LoadTest;

/// <summary>
/// The soak run of issue 14 (docs/performance.md, "Soak (issue 14)"): N minutes of mixed traffic against the Release
/// server as its own process — logins, session refreshes, share releases, blinded evaluations (checked with the
/// client's Finalize), reads, and bad requests (wrong password, bad DPoP proof, malformed JSON, unknown unit) — each
/// answer counted as expected or unexpected for its kind, and the server's RSS sampled every few seconds. A bad request
/// answered with its 4xx problem is expected; a 5xx, a transport error, a timeout, or a good request refused is not.
/// Every worker stops itself when the time is up.
/// </summary>
internal static class Soak
{
    public const string Usage = """
        dotnet benchmarks/Symbolon.LoadTest/bin/Release/net10.0/Symbolon.LoadTest.dll soak [options]

          --minutes N       minutes of mixed traffic (1-60, default 10)
          --workers N       closed-loop workers, one device each, over two accounts (2-64, default 8)
          --sample N        seconds between RSS samples (1-60, default 5)
          --data-root PATH  where the server's data directory is made (a real disk)
          --server-dll PATH the server to start (default: the Release build in this repository)
        """;

    /// <summary>What each worker does, with its weight out of 100.</summary>
    private static readonly (string Kind, int Weight)[] Mix =
    [
        ("release", 30), ("evaluate", 15), ("read", 20), ("login", 3),
        ("bad: wrong password", 3), ("bad: DPoP proof", 10), ("bad: malformed JSON", 10), ("bad: unknown unit", 9),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (!TryParse(args, out var minutes, out var workerCount, out var sampleSeconds, out var dataRoot, out var serverDll, out var error))
        {
            await Console.Error.WriteLineAsync($"symbolon-load: error: {error}{Environment.NewLine}{Usage}");
            return 2;
        }

        var dll = Path.GetFullPath(serverDll ?? ServerProcess.DefaultDllPath());
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"**soak**, sqlite: run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Report.MachineName()} ({Environment.ProcessorCount} CPUs), load average before {load}; {workerCount} workers, {minutes} minutes; server built {File.GetLastWriteTimeUtc(dll):yyyy-MM-dd HH:mm} UTC."));

        // The wrong-password traffic comes from the same loopback address as the good logins: with the shipped
        // throttle, five failures would make every later login from 127.0.0.1 wait. Raised here so that the good
        // logins measure the server rather than the throttle (which its own tests cover).
        var options = new LoadOptions
        {
            Connections = workerCount,
            Accounts = 2,
            DataRoot = dataRoot,
            ServerSettings = ["--Symbolon:LoginThrottle:FreeFailures=1000000"],
        };
        using var deployment = new Deployment(dll, options);
        try
        {
            await deployment.StartAsync();
            using var clients = new NodeClients(deployment.Servers, workerCount);
            var run = Guid.NewGuid().ToString("N")[..8];
            var accounts = Enumerable.Range(0, 2).Select(i => new Account($"soak-{run}-{i}", "soak test password " + Guid.NewGuid().ToString("N"))).ToList();
            foreach (var account in accounts)
            {
                await LoadWorker.CreateAccountAsync(clients.For(0), account, CancellationToken.None);
            }

            var workers = new List<SoakWorker>();
            for (var i = 0; i < workerCount; i++)
            {
                var worker = new SoakWorker(clients.For(i), accounts[i % accounts.Count], seed: i);
                await worker.SetUpAsync();
                workers.Add(worker);
            }

            var processId = deployment.Servers[0].ProcessId;
            var counts = new ConcurrentDictionary<string, KindCounts>();
            var samples = new List<(TimeSpan At, long RssKib)>();
            var clock = Stopwatch.StartNew();
            var duration = TimeSpan.FromMinutes(minutes);
            Console.Error.WriteLine($"symbolon-load: soak: {minutes} minutes of mixed traffic, {workerCount} workers, RSS every {sampleSeconds} s …");
            var sampling = Task.Run(async () =>
            {
                while (clock.Elapsed < duration)
                {
                    lock (samples)
                    {
                        samples.Add((clock.Elapsed, ScaleRun.Rss.Read(processId)));
                    }

                    await Task.Delay(TimeSpan.FromSeconds(sampleSeconds));
                }
            });

            await Task.WhenAll(workers.Select(w => w.RunAsync(clock, duration, counts)));
            await sampling;
            foreach (var worker in workers)
            {
                worker.Dispose();
            }

            var exited = deployment.ExitedServer is not null;
            Console.WriteLine(Markdown(counts, samples, minutes, exited));
            return counts.Values.Sum(c => c.Unexpected) == 0 && !exited ? 0 : 1;
        }
        catch (LoadTestException exception)
        {
            await Console.Error.WriteLineAsync($"symbolon-load: error: {exception.Message}");
            await Console.Error.WriteLineAsync($"symbolon-load: hint: {exception.Hint}");
            return 2;
        }
    }

    private static string Markdown(ConcurrentDictionary<string, KindCounts> counts, List<(TimeSpan At, long RssKib)> samples, int minutes, bool exited)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("| kind | requests | expected | unexpected | first unexpected |");
        text.AppendLine("|---|---:|---:|---:|---|");
        foreach (var (kind, _) in Mix.Append(("refresh", 0)))
        {
            var k = counts.GetValueOrDefault(kind) ?? new KindCounts();
            text.AppendLine(c, $"| {kind} | {k.Expected + k.Unexpected:N0} | {k.Expected:N0} | {k.Unexpected:N0} | {k.FirstUnexpected ?? ""} |");
        }

        var total = counts.Values.Sum(k => k.Expected + k.Unexpected);
        var unexpected = counts.Values.Sum(k => k.Unexpected);
        text.AppendLine();
        text.AppendLine("| minute | RSS MB (mean) | RSS MB (max) | samples |");
        text.AppendLine("|---:|---:|---:|---:|");
        var byMinute = samples.GroupBy(s => (int)s.At.TotalMinutes).Where(g => g.Key < minutes).OrderBy(g => g.Key).ToList();
        foreach (var minute in byMinute)
        {
            text.AppendLine(c, $"| {minute.Key + 1} | {minute.Average(s => s.RssKib) / 1024.0:0.0} | {minute.Max(s => s.RssKib) / 1024.0:0.0} | {minute.Count()} |");
        }

        text.AppendLine();
        text.AppendLine(c, $"- {total:N0} requests in {minutes} minutes ({total / (minutes * 60.0):0} per second), **{unexpected} unexpected** (goal 0){(exited ? "; the server exited during the run" : "")}");
        if (byMinute.Count >= 2)
        {
            var second = byMinute[1].Average(s => s.RssKib);
            var last = byMinute[^1].Average(s => s.RssKib);
            var flat = Math.Abs(last - second) <= 0.10 * second;
            text.AppendLine(c, $"- RSS last minute {last / 1024.0:0.0} MB vs second minute {second / 1024.0:0.0} MB: {(last - second) / second:+0.0%;-0.0%} (goal within 10 %: {(flat ? "met" : "missed")})");
        }

        return text.ToString();
    }

    private static bool TryParse(string[] args, out int minutes, out int workers, out int sample, out string? dataRoot, out string? serverDll, out string error)
    {
        (minutes, workers, sample, dataRoot, serverDll, error) = (10, 8, 5, null, null, "");
        if (args.Length % 2 != 0)
        {
            error = $"`{args[^1]}` needs a value.";
            return false;
        }

        for (var i = 0; i < args.Length; i += 2)
        {
            var (name, value) = (args[i], args[i + 1]);
            var ok = name switch
            {
                "--minutes" => TryInt(value, 1, 60, out minutes),
                "--workers" => TryInt(value, 2, 64, out workers),
                "--sample" => TryInt(value, 1, 60, out sample),
                "--data-root" => (dataRoot = value) is not null,
                "--server-dll" => (serverDll = value) is not null,
                _ => false,
            };
            if (!ok)
            {
                error = $"unknown option or bad value: `{name} {value}`.";
                return false;
            }
        }

        return true;
    }

    private static bool TryInt(string text, int minimum, int maximum, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= minimum && value <= maximum;

    /// <summary>Per kind: answers as expected, and the rest with the first of them described.</summary>
    private sealed class KindCounts
    {
        private long _expected;
        private long _unexpected;

        public long Expected => Interlocked.Read(ref _expected);

        public long Unexpected => Interlocked.Read(ref _unexpected);

        public string? FirstUnexpected { get; private set; }

        public void Count(string? failure)
        {
            if (failure is null)
            {
                Interlocked.Increment(ref _expected);
                return;
            }

            if (Interlocked.Increment(ref _unexpected) == 1)
            {
                FirstUnexpected = failure.ReplaceLineEndings(" ")[..Math.Min(failure.Length, 160)].Replace('|', '/');
            }
        }
    }

    /// <summary>One device of an account: its own key and session, a split unit and a blinded unit of its own.</summary>
    private sealed class SoakWorker(HttpClient http, Account account, int seed) : IDisposable
    {
        private static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);

        private readonly Random _random = new(seed);
        private readonly DeviceKey _device = DeviceKey.Generate();
        private readonly DeviceKey _stranger = DeviceKey.Generate();
        private string _accessToken = "";
        private string _refreshToken = "";
        private Guid _unit;
        private Guid _blindedUnit;
        private OprfClient? _oprf;
        private int _epoch;
        private TimeSpan _refreshedAt;

        public async Task SetUpAsync()
        {
            if (await RememberAsync(await LoginAsync(account.Password)) is { } refused)
            {
                throw new LoadTestException($"could not log in: {refused}", "the server refused the setup");
            }

            using (var created = await SendAsync(HttpMethod.Post, Routes.Units, "{}"))
            {
                _unit = (await ReadAsync(created, HttpStatusCode.Created, ProtocolJsonContext.Default.ShareResponse, "create a unit")).UnitId;
            }

            using (var blinded = await SendAsync(HttpMethod.Post, Routes.Units, "{\"blinded\":true}"))
            {
                _blindedUnit = (await ReadAsync(blinded, HttpStatusCode.Created, ProtocolJsonContext.Default.ShareResponse, "create a blinded unit")).UnitId;
            }

            using var key = await SendAsync(HttpMethod.Get, Routes.OprfKey, body: null);
            var published = await ReadAsync(key, HttpStatusCode.OK, ProtocolJsonContext.Default.OprfKeyResponse, "read the OPRF key");
            _oprf = new OprfClient(OprfMode.Poprf, published.PublicKey);
            _epoch = published.Epoch;
        }

        public async Task RunAsync(Stopwatch clock, TimeSpan duration, ConcurrentDictionary<string, KindCounts> counts)
        {
            _refreshedAt = clock.Elapsed;
            while (clock.Elapsed < duration)
            {
                string kind;
                if (clock.Elapsed - _refreshedAt > RefreshEvery)
                {
                    kind = "refresh";
                    _refreshedAt = clock.Elapsed;
                }
                else
                {
                    var draw = _random.Next(100);
                    kind = Mix.First(m => (draw -= m.Weight) < 0).Kind;
                }

                string? failure;
                try
                {
                    failure = await OneAsync(kind);
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
                {
                    failure = $"{exception.GetType().Name}: {exception.Message}";
                }

                counts.GetOrAdd(kind, _ => new KindCounts()).Count(failure);
            }
        }

        public void Dispose()
        {
            _device.Dispose();
            _stranger.Dispose();
        }

        /// <summary>One request of <paramref name="kind"/>; null when it was answered as expected, else what happened.</summary>
        private async Task<string?> OneAsync(string kind)
        {
            switch (kind)
            {
                case "login":
                    return await RememberAsync(await LoginAsync(account.Password));
                case "refresh":
                    return await RememberAsync(await PostAsync(Routes.SessionRefresh, JsonContent.Create(new RefreshRequest(_refreshToken), ProtocolJsonContext.Default.RefreshRequest)));
                case "release":
                    using (var released = await SendAsync(HttpMethod.Post, Routes.ReleaseOf(_unit), "{}"))
                    {
                        return await StatusAsync(released, HttpStatusCode.OK);
                    }

                case "evaluate":
                    return await EvaluateAsync();
                case "read":
                    var path = _random.Next(3) switch { 0 => Routes.Units, 1 => Routes.Devices, _ => Routes.AuditPageOf(0, 20) };
                    using (var read = await SendAsync(HttpMethod.Get, path, body: null))
                    {
                        return await StatusAsync(read, HttpStatusCode.OK);
                    }

                case "bad: wrong password":
                    using (var refused = await LoginAsync("not the password"))
                    {
                        return await ProblemAsync(refused, HttpStatusCode.Unauthorized);
                    }

                case "bad: DPoP proof":
                    // A proof from another key, or for another URI, or none at all.
                    using (var request = Authenticated(HttpMethod.Get, Routes.Devices, body: null))
                    {
                        request.Headers.Remove(Headers.Dpop);
                        var uri = new Uri(http.BaseAddress!, Routes.Devices);
                        var proof = _random.Next(3) switch
                        {
                            0 => DpopProof.Create(_stranger, "GET", uri, _accessToken, DateTimeOffset.UtcNow),
                            1 => DpopProof.Create(_device, "GET", new Uri(http.BaseAddress!, Routes.Units), _accessToken, DateTimeOffset.UtcNow),
                            _ => null,
                        };
                        if (proof is not null)
                        {
                            request.Headers.TryAddWithoutValidation(Headers.Dpop, proof);
                        }

                        using var response = await http.SendAsync(request);
                        return await ProblemAsync(response, HttpStatusCode.Unauthorized);
                    }

                case "bad: malformed JSON":
                    using (var malformed = await SendAsync(HttpMethod.Post, Routes.ReleaseOf(_unit), _random.Next(2) == 0 ? "{" : "{\"version\":\"one\"}"))
                    {
                        return await ProblemAsync(malformed, HttpStatusCode.BadRequest);
                    }

                default:
                    using (var unknown = await SendAsync(HttpMethod.Post, Routes.ReleaseOf(Guid.CreateVersion7()), "{}"))
                    {
                        return await ProblemAsync(unknown, HttpStatusCode.NotFound);
                    }
            }
        }

        /// <summary>A blinded evaluation, checked as the client checks it: the proof must verify and Finalize succeed.</summary>
        private async Task<string?> EvaluateAsync()
        {
            using var input = _oprf!.Blind(Encoding.UTF8.GetBytes("soak input " + _random.Next()), BlindedShare.Info(_blindedUnit));
            var body = System.Text.Json.JsonSerializer.Serialize(new EvaluateRequest(input.BlindedElement.ToArray(), _epoch), ProtocolJsonContext.Default.EvaluateRequest);
            using var response = await SendAsync(HttpMethod.Post, Routes.EvaluateOf(_blindedUnit), body);
            if (await StatusAsync(response, HttpStatusCode.OK) is { } failure)
            {
                return failure;
            }

            var evaluation = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.EvaluateResponse);
            Span<byte> output = stackalloc byte[OprfClient.OutputSize];
            try
            {
                _oprf.Finalize(input, new OprfEvaluation([evaluation!.EvaluatedElement], evaluation.Proof), output);
                return null;
            }
            catch (OprfException exception)
            {
                return "evaluation did not verify: " + exception.Message;
            }
            finally
            {
                output.Clear();
            }
        }

        private Task<HttpResponseMessage> LoginAsync(string password) =>
            PostAsync(Routes.Sessions, JsonContent.Create(new LoginRequest(account.Username, password, "soak"), ProtocolJsonContext.Default.LoginRequest));

        private async Task<HttpResponseMessage> PostAsync(string path, HttpContent content)
        {
            var uri = new Uri(http.BaseAddress!, path);
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
            request.Headers.Add(Headers.Dpop, DpopProof.Create(_device, "POST", uri, accessToken: null, DateTimeOffset.UtcNow));
            return await http.SendAsync(request);
        }

        private async Task<string?> RememberAsync(HttpResponseMessage response)
        {
            using (response)
            {
                if (await StatusAsync(response, HttpStatusCode.OK) is { } failure)
                {
                    return failure;
                }

                var session = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.SessionResponse);
                _accessToken = session!.AccessToken;
                _refreshToken = session.RefreshToken;
                return null;
            }
        }

        private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body)
        {
            using var request = Authenticated(method, path, body);
            return await http.SendAsync(request);
        }

        private HttpRequestMessage Authenticated(HttpMethod method, string path, string? body)
        {
            var uri = new Uri(http.BaseAddress!, path);
            var request = new HttpRequestMessage(method, uri);
            request.Headers.TryAddWithoutValidation("Authorization", Headers.DpopScheme + " " + _accessToken);
            request.Headers.TryAddWithoutValidation(Headers.Dpop, DpopProof.Create(_device, method.Method, uri, _accessToken, DateTimeOffset.UtcNow));
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            return request;
        }

        private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string action)
        {
            if (response.StatusCode != expected)
            {
                throw new LoadTestException($"could not {action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", "the server refused the setup");
            }

            return (await response.Content.ReadFromJsonAsync(type))!;
        }

        private static async Task<string?> StatusAsync(HttpResponseMessage response, HttpStatusCode expected) =>
            response.StatusCode == expected ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";

        /// <summary>The expected 4xx, as an RFC 9457 problem.</summary>
        private static async Task<string?> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected) =>
            response.StatusCode == expected && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? null
                : $"expected a {(int)expected} problem, got {(int)response.StatusCode} {response.Content.Headers.ContentType} {await response.Content.ReadAsStringAsync()}";
    }
}
