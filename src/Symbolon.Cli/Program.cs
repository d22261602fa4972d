using System.CommandLine;
using Symbolon.Cli;
using Symbolon.Client;

// symbolon: the command-line client. Every verb is a thin layer over Symbolon.Client.VaultClient.
var json = new Option<bool>("--json") { Description = "Machine-readable output.", Recursive = true };
var home = new Option<string?>("--home") { Description = "Client directory (default: $SYMBOLON_HOME or the per-user data folder).", Recursive = true };
var server = new Option<string?>("--server") { Description = "Key server URL, e.g. http://127.0.0.1:5290 (remembered after login)." };
var username = new Option<string>("--username", "-u") { Description = "Account name.", Required = true };
var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };

var root = new RootCommand("Symbolon: vendor credentials sealed on this device, opened only with the key server's consent.")
{
    json, home,
};

var account = new Command("account", "Manage your account on a key server.");
var accountCreate = new Command("create", "Create an account.") { server, username, passwordStdin };
accountCreate.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    var url = Cli.ServerUrl(parse.GetValue(server), vault);
    await vault.CreateAccountAsync(url, parse.GetValue(username)!, Secrets.Read("Password", parse.GetValue(passwordStdin)), token);
    Cli.Report(parse.GetValue(json), new { created = parse.GetValue(username), server = url }, $"Account '{parse.GetValue(username)}' created on {url}.");
}));
account.Add(accountCreate);

var newDevice = new Option<bool>("--new-device") { Description = "Enrol a fresh device key (after this device was revoked)." };
var login = new Command("login", "Log in (enrols this device on first use).") { server, username, passwordStdin, newDevice };
login.SetAction((parse, token) => Cli.Run(
    parse,
    home,
    async vault =>
    {
        var url = Cli.ServerUrl(parse.GetValue(server), vault);
        await vault.LoginAsync(url, parse.GetValue(username)!, Secrets.Read("Password", parse.GetValue(passwordStdin)), token);
        Cli.Report(parse.GetValue(json), vault.Status(), $"Logged in to {url} as {parse.GetValue(username)}.");
    },
    beforeOpen: options =>
    {
        if (parse.GetValue(newDevice))
        {
            VaultClient.ResetDevice(options);
        }
    }));

var logout = new Command("logout", "End the session.");
logout.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    await vault.LogoutAsync(token);
    Cli.Report(parse.GetValue(json), new { loggedIn = false }, "Logged out.");
}));

var status = new Command("status", "Show the session and the vault.");
status.SetAction((parse, token) => Cli.Run(parse, home, vault =>
{
    var state = vault.Status();
    Cli.Report(parse.GetValue(json), new { state.LoggedIn, state.Server, state.Username, state.DeviceId, state.LocksAt, items = vault.List().Count, home = vault.HomePath },
        state.LoggedIn
            ? $"Logged in to {state.Server} as {state.Username}; locks at {state.LocksAt:u} if unused. {vault.List().Count} items in {vault.HomePath}."
            : $"Not logged in{(state.Server is null ? "" : $" (server {state.Server})")}. {vault.List().Count} items in {vault.HomePath}.");
    return Task.CompletedTask;
}));

var name = new Argument<string>("name") { Description = "The item's name, e.g. acme." };
var itemUser = new Option<string>("--username", "-u") { Description = "The vendor account's username.", Required = true };
var url = new Option<string?>("--url") { Description = "The vendor portal's address." };
var inSet = new Option<string?>("--set") { Description = "Threshold mode: share the item's key across this server set (see `symbolon set`)." };
var mode = new Option<string>("--mode") { Description = "split (default): the server keeps a share; blinded: the server evaluates an oblivious PRF and never sees the share.", DefaultValueFactory = _ => "split" };
mode.AcceptOnlyFromAmong("split", "blinded");
var add = new Command("add", "Store a credential (the password is read from a prompt or stdin, never from arguments).") { name, itemUser, url, passwordStdin, inSet, mode };
add.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    var itemMode = parse.GetValue(inSet) is not null ? Symbolon.Crypto.ItemMode.Threshold
        : parse.GetValue(mode) == "blinded" ? Symbolon.Crypto.ItemMode.Blinded : Symbolon.Crypto.ItemMode.Split;
    if (itemMode == Symbolon.Crypto.ItemMode.Threshold && parse.GetValue(mode) == "blinded")
    {
        throw new UsageException("--set and --mode blinded do not go together", "A threshold item's servers hold Shamir shares; blinded items live on the default server.");
    }

    var password = Secrets.Read("Vendor password", parse.GetValue(passwordStdin));
    using var credential = new Symbolon.Crypto.Credential(parse.GetValue(itemUser)!, password, parse.GetValue(url));
    var info = await vault.AddAsync(parse.GetValue(name)!, credential, itemMode, parse.GetValue(inSet), token);
    Cli.Report(parse.GetValue(json), info, $"Stored '{info.Name}'.");
}));

var list = new Command("list", "List stored items (no server contact, no secrets).");
list.SetAction((parse, token) => Cli.Run(parse, home, vault =>
{
    var items = vault.List();
    if (parse.GetValue(json))
    {
        Output.JsonOut(items);
    }
    else
    {
        foreach (var item in items)
        {
            Output.Line($"{item.Name}\t{item.Mode.ToString().ToLowerInvariant()}\tv{item.KeyVersion}\t{item.CreatedAt:u}");
        }
    }

    return Task.CompletedTask;
}));

var reveal = new Option<bool>("--reveal") { Description = "Also print the password." };
var show = new Command("show", "Open an item and print its fields (the password only with --reveal).") { name, reveal };
show.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    var fields = await vault.UseAsync(parse.GetValue(name)!, credential => Cli.Fields(credential, parse.GetValue(reveal)), token);
    if (parse.GetValue(json))
    {
        Output.JsonOut(fields);
    }
    else
    {
        foreach (var (field, value) in fields)
        {
            Output.Line($"{field}: {value}");
        }
    }
}));

var env = new Option<string[]>("--env", "-e") { Description = "VAR=item.field (field: username, password, url, notes or an extra field). Repeatable.", AllowMultipleArgumentsPerToken = false };
var command = new Argument<string[]>("command") { Description = "The command to run, after --.", Arity = ArgumentArity.OneOrMore };
var exec = new Command("exec", "Run a command with credentials in its environment; exits with its exit code.") { env, command };
exec.SetAction((parse, token) => Exec.RunAsync(parse.GetValue(home), parse.GetValue(env) ?? [], parse.GetValue(command) ?? [], token));

var all = new Option<bool>("--all") { Description = "Rotate every item." };
var serverKey = new Option<bool>("--server-key") { Description = "Rotate the default server's blinded-mode key (a new key epoch) and re-seal every blinded item under it." };
var optionalName = new Argument<string?>("name") { Description = "The item to rotate.", Arity = ArgumentArity.ZeroOrOne };
var rotate = new Command("rotate", "Re-seal items under new server shares and retire the old ones.") { optionalName, all, serverKey };
rotate.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    var single = parse.GetValue(optionalName);
    if ((parse.GetValue(all) ? 1 : 0) + (parse.GetValue(serverKey) ? 1 : 0) + (single is null ? 0 : 1) != 1)
    {
        throw new UsageException("give one of: an item name, --all, --server-key", "symbolon rotate acme   or   symbolon rotate --all   or   symbolon rotate --server-key");
    }

    if (parse.GetValue(serverKey))
    {
        var resealed = await vault.RotateBlindedKeyAsync(new ProgressBar(quiet: parse.GetValue(json)), token);
        Cli.Report(parse.GetValue(json), new { rotatedServerKey = true, items = resealed }, $"Rotated the server's blinded-mode key; re-sealed {resealed} blinded items.");
        return;
    }

    if (single is not null)
    {
        await vault.RotateAsync(single, token);
        Cli.Report(parse.GetValue(json), new { rotated = new[] { single } }, $"Rotated '{single}'.");
        return;
    }

    var total = vault.List().Count;
    await vault.RotateAllAsync(new ProgressBar(quiet: parse.GetValue(json)), token);
    Cli.Report(parse.GetValue(json), new { rotated = total }, $"Rotated {total} items.");
}));

var rm = new Command("rm", "Remove an item: its server share is destroyed, so no copy of it can ever open again.") { name };
rm.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    await vault.RemoveAsync(parse.GetValue(name)!, token);
    Cli.Report(parse.GetValue(json), new { removed = parse.GetValue(name) }, $"Removed '{parse.GetValue(name)}'.");
}));

var check = new Option<bool>("--check") { Description = "Check that the server's log still holds every release receipt kept here." };
var audit = new Command("audit", "Show your account's audit log.") { check };
audit.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    if (parse.GetValue(check))
    {
        var result = await vault.CheckAuditAsync(token);
        if (result.Passed || parse.GetValue(json))
        {
            Cli.Report(parse.GetValue(json), result, $"Audit check passed: the server's log holds all {result.Checked} releases recorded here.");
        }

        if (!result.Passed)
        {
            throw new AuditCheckFailedException(
                $"audit check failed: the server's log no longer holds records {string.Join(", ", result.Missing)} (of {result.Checked} releases with receipts here)");
        }

        return;
    }

    var entries = await vault.AuditAsync(token);
    if (parse.GetValue(json))
    {
        Output.JsonOut(entries);
    }
    else
    {
        foreach (var entry in entries)
        {
            Output.Line($"{entry.Sequence}\t{entry.Time:u}\t{entry.Event}\t{entry.UnitId?.ToString() ?? "-"}\t{entry.Detail}");
        }
    }
}));

var onServer = new Option<string?>("--server") { Description = "The key server (default: the one last logged in to)." };
var devices = new Command("devices", "Manage the account's enrolled devices.");
var devicesList = new Command("list", "List devices.") { onServer };
devicesList.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    var found = await vault.DevicesAsync(Cli.OptionalServerUrl(parse.GetValue(onServer)), token);
    if (parse.GetValue(json))
    {
        Output.JsonOut(found);
    }
    else
    {
        foreach (var device in found)
        {
            var state = device.RevokedAt is not null ? "revoked" : device.LockedAt is not null ? "locked" : "active";
            Output.Line($"{device.Id}\t{device.Name}\t{state}{(device.Current ? "\t(this device)" : "")}");
        }
    }
}));
var deviceId = new Argument<Guid>("id") { Description = "The device id (from `symbolon devices list`)." };
var devicesRevoke = new Command("revoke", "Revoke a device: its sessions end at once and it can never release a share again.") { deviceId, onServer };
devicesRevoke.SetAction((parse, token) => Cli.Run(parse, home, async vault =>
{
    await vault.RevokeDeviceAsync(parse.GetValue(deviceId), Cli.OptionalServerUrl(parse.GetValue(onServer)), token);
    Cli.Report(parse.GetValue(json), new { revoked = parse.GetValue(deviceId) }, $"Revoked device {parse.GetValue(deviceId)}.");
}));
devices.Add(devicesList);
devices.Add(devicesRevoke);

var setName = new Argument<string>("set") { Description = "The set's name, e.g. trio." };
var threshold = new Option<int>("--threshold", "-t") { Description = "How many of the servers must release their shares (2..n).", Required = true };
var members = new Option<string[]>("--server") { Description = "A member key server's URL; repeat for each, in order.", Required = true, AllowMultipleArgumentsPerToken = false };
var set = new Command("set", "Threshold server sets: any t of n independent key servers release an item's key.");
var setCreate = new Command("create", "Define a server set; then log in to each member (`symbolon login --server URL`).") { setName, threshold, members };
setCreate.SetAction((parse, token) => Cli.Run(parse, home, vault =>
{
    var servers = (parse.GetValue(members) ?? []).Select(Cli.ParseUrl).ToList();
    vault.DefineSet(parse.GetValue(setName)!, parse.GetValue(threshold), servers);
    Cli.Report(parse.GetValue(json), vault.Sets().Single(s => s.Name == parse.GetValue(setName)),
        $"Defined set '{parse.GetValue(setName)}': any {parse.GetValue(threshold)} of {servers.Count} servers. Log in to each with `symbolon login --server URL`.");
    return Task.CompletedTask;
}));
var setList = new Command("list", "List server sets.");
setList.SetAction((parse, token) => Cli.Run(parse, home, vault =>
{
    if (parse.GetValue(json))
    {
        Output.JsonOut(vault.Sets());
    }
    else
    {
        foreach (var defined in vault.Sets())
        {
            Output.Line($"{defined.Name}	{defined.Threshold} of {defined.Servers.Count}	{string.Join(" ", defined.Servers)}");
        }
    }

    return Task.CompletedTask;
}));
set.Add(setCreate);
set.Add(setList);

foreach (var verb in new[] { account, login, logout, status, add, list, show, exec, rotate, rm, audit, devices, set })
{
    root.Add(verb);
}

var parseResult = root.Parse(args);
if (parseResult.Errors.Count > 0)
{
    return Output.Error(string.Join("; ", parseResult.Errors.Select(e => e.Message)), "Run `symbolon --help`, or `symbolon <verb> --help`.", ExitCodes.Usage);
}

return await parseResult.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
