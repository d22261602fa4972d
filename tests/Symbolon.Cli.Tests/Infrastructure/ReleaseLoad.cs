using System.Text.Json;
using Symbolon.Client;
using Symbolon.Crypto;

namespace Symbolon.Cli.Tests.Infrastructure;

/// <summary>
/// Releases driven through the SDK by several devices at once, each opening its items in turn in a closed loop
/// (<see cref="VaultClient.UseAsync"/>: a DPoP-signed release, the signed receipt kept durably, the item opened). It
/// counts the answers each device received, so a test can act after a number of answers rather than after a delay,
/// and compare them with the receipts kept and the server's audit log afterwards.
/// </summary>
internal sealed class ReleaseLoad : IAsyncDisposable
{
    /// <summary>Between two attempts of a device whose server is down: enough not to spin, far below a restart.</summary>
    private static readonly TimeSpan PauseAfterFailure = TimeSpan.FromMilliseconds(20);

    private readonly List<LoadDevice> _devices;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Reached)> _waiters = [];
    private readonly TaskCompletionSource _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long Count, Action Action)> _actions = [];
    private readonly List<Task> _loops = [];
    private long _answered;
    private long _failed;
    private Exception? _unexpected;

    private ReleaseLoad(List<LoadDevice> devices) => _devices = devices;

    public IReadOnlyList<LoadDevice> Devices => _devices;

    /// <summary>Answers (a release that returned a share and a receipt) over every device so far.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Attempts that got no answer (the server was killed under them, or was down).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Signs up <paramref name="accounts"/> accounts at <paramref name="url"/>, logs each in on
    /// <paramref name="devicesPerAccount"/> devices (own client directories, so own device keys and receipts), and adds
    /// <paramref name="itemsPerDevice"/> split items on each.
    /// </summary>
    public static async Task<ReleaseLoad> SetUpAsync(string url, TempDirectory homes, int accounts, int devicesPerAccount, int itemsPerDevice)
    {
        var server = new Uri(url);
        var devices = new List<LoadDevice>();
        for (var account = 0; account < accounts; account++)
        {
            var username = $"kill-{Guid.NewGuid():N}"[..20];
            for (var index = 0; index < devicesPerAccount; index++)
            {
                var client = VaultClient.Open(new VaultClientOptions { HomePath = homes.Combine($"{username}-{index}") });
                if (index == 0)
                {
                    await client.CreateAccountAsync(server, username, ClientDevice.AccountPassword, TestContext.Current.CancellationToken);
                }

                await client.LoginAsync(server, username, ClientDevice.AccountPassword, cancellationToken: TestContext.Current.CancellationToken);
                var items = new List<string>();
                for (var item = 0; item < itemsPerDevice; item++)
                {
                    var name = $"item-{index}-{item}";
                    using var credential = new Credential($"bot{item}@vendor.example", $"password-{name}");
                    await client.AddAsync(name, credential, cancellationToken: TestContext.Current.CancellationToken);
                    items.Add(name);
                }

                devices.Add(new LoadDevice(client, username, items));
            }
        }

        return new ReleaseLoad(devices);
    }

    /// <summary>Starts every device's loop; they run until <see cref="StopAsync"/>.</summary>
    public void Start()
    {
        foreach (var device in _devices)
        {
            _loops.Add(Task.Run(() => LoopAsync(device)));
        }
    }

    /// <summary>Faults as soon as a device meets an unexpected error (a wrong password, a refusal); never completes otherwise.</summary>
    public Task Faulted => _faulted.Task;

    /// <summary>Completes once <see cref="Answered"/> has reached <paramref name="count"/>; faults with <see cref="Faulted"/>.</summary>
    public Task WhenAnsweredAsync(long count) => When(() => Answered >= count);

    /// <summary>
    /// Completes once <see cref="Failed"/> has reached <paramref name="failed"/> or <see cref="Answered"/> has reached
    /// <paramref name="answered"/>; faults with <see cref="Faulted"/>.
    /// </summary>
    public Task WhenFailedOrAnsweredAsync(long failed, long answered) => When(() => Failed >= failed || Answered >= answered);

    /// <summary>
    /// Runs <paramref name="action"/> on the loop of the device whose answer is the <paramref name="count"/>-th, before
    /// that device sends its next request: a kill there lands while the other devices' requests are in flight.
    /// </summary>
    public void OnAnswered(long count, Action action)
    {
        lock (_lock)
        {
            _actions.Add((count, action));
        }
    }

    /// <summary>Stops the loops (a release in flight finishes first) and rethrows an unexpected error from any device.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        if (_unexpected is not null)
        {
            throw new InvalidOperationException("A device met an unexpected error during the load.", _unexpected);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        try
        {
            await Task.WhenAll(_loops);
        }
        catch (Exception)
        {
            // Reported by StopAsync when the test got that far.
        }

        foreach (var device in _devices)
        {
            device.Client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(LoadDevice device)
    {
        var next = 0;
        while (!_stop.IsCancellationRequested)
        {
            var name = device.Items[next++ % device.Items.Count];
            try
            {
                // Not cancelled by the stop: a release in flight runs to its answer, so every answer is counted.
                var password = await device.Client.UseAsync(name, credential => credential.RevealPassword(), CancellationToken.None);
                if (password != $"password-{name}")
                {
                    throw new InvalidOperationException($"'{name}' opened to the wrong password.");
                }

                Interlocked.Increment(ref device.AnsweredCount);
                Changed(Interlocked.Increment(ref _answered));
            }
            catch (ServerUnreachableException)
            {
                // The server was killed under this request, or is not back yet: no answer, so no receipt is expected.
                Interlocked.Increment(ref _failed);
                Changed(null);
                await Task.Delay(PauseAfterFailure, CancellationToken.None);
            }
            catch (Exception exception)
            {
                Fail(exception);
                return;
            }
        }
    }

    private Task When(Func<bool> condition)
    {
        lock (_lock)
        {
            if (_faulted.Task.IsFaulted)
            {
                return _faulted.Task;
            }

            if (condition())
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, reached));
            return reached.Task;
        }
    }

    private void Changed(long? answered)
    {
        List<Action> actions;
        List<TaskCompletionSource> reached;
        lock (_lock)
        {
            actions = answered is { } count ? [.. _actions.Where(a => a.Count == count).Select(a => a.Action)] : [];
            reached = [.. _waiters.Where(w => w.Condition()).Select(w => w.Reached)];
            _waiters.RemoveAll(w => reached.Contains(w.Reached));
        }

        foreach (var action in actions)
        {
            action();
        }

        foreach (var waiter in reached)
        {
            waiter.TrySetResult();
        }
    }

    private void Fail(Exception exception)
    {
        lock (_lock)
        {
            _unexpected ??= exception;
            _faulted.TrySetException(exception);
            foreach (var (_, reached) in _waiters)
            {
                reached.TrySetException(exception);
            }

            _waiters.Clear();
        }
    }
}

/// <summary>One device of <see cref="ReleaseLoad"/>: its SDK client, account and items, and the answers it received.</summary>
internal sealed class LoadDevice(VaultClient client, string username, IReadOnlyList<string> items)
{
#pragma warning disable SA1401 // Counted with Interlocked by the device's own loop.
    public long AnsweredCount;
#pragma warning restore SA1401

    public VaultClient Client { get; } = client;

    public string Username { get; } = username;

    public IReadOnlyList<string> Items { get; } = items;

    /// <summary>The receipts this device's SDK kept (receipts.jsonl: one line per answered release), as (sequence, chain hash).</summary>
    public List<(long Sequence, string ChainHash)> Receipts()
    {
        var path = Path.Combine(Client.HomePath, "receipts.jsonl");
        return [.. File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(receipt => (receipt.GetProperty("sequence").GetInt64(), receipt.GetProperty("chainHash").GetString()!))];
    }
}
