using System.CommandLine;

namespace Symbolon.Cli.Commands;

/// <summary>`symbolon devices list | revoke ID | approve ID`.</summary>
internal static class DevicesCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var server = new Option<string?>("--server") { Description = "The key server (default: the one last logged in to)." };
        var list = new Command("list", "List devices.") { server };
        list.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            var devices = await vault.DevicesAsync(Cli.OptionalServerUrl(parse.GetValue(server)), token);
            Cli.Report(parse.GetValue(globals.Json), devices, CliJson.Default.IReadOnlyListDeviceInfo, devices.Select(device =>
            {
                var state = device.RevokedAt is not null ? "revoked" : device.PendingApproval ? "pending approval" : device.LockedAt is not null ? "locked" : "active";
                return $"{device.Id}\t{Output.Printable(device.Name)}\t{state}\tenrolled {device.CreatedAt.UtcDateTime:u}{(device.Current ? "\t(this device)" : "")}";
            }));
        }));

        var id = new Argument<Guid>("id") { Description = "The device id (from `symbolon devices list`)." };
        var revoke = new Command("revoke", "Revoke a device: its sessions end at once and it can never release a share again.") { id, server };
        revoke.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            await vault.RevokeDeviceAsync(parse.GetValue(id), Cli.OptionalServerUrl(parse.GetValue(server)), token);
            Cli.Report(parse.GetValue(globals.Json), new DeviceRevoked(parse.GetValue(id)), CliJson.Default.DeviceRevoked, $"Revoked device {parse.GetValue(id)}.");
        }));

        var approve = new Command("approve", "Approve a device awaiting approval (`symbolon account require-approval on`), so it can release.") { id, server };
        approve.SetAction((parse, token) => Cli.Run(parse, globals, async vault =>
        {
            await vault.ApproveDeviceAsync(parse.GetValue(id), Cli.OptionalServerUrl(parse.GetValue(server)), token);
            Cli.Report(parse.GetValue(globals.Json), new DeviceApproved(parse.GetValue(id)), CliJson.Default.DeviceApproved, $"Approved device {parse.GetValue(id)}.");
        }));

        return new Command("devices", "Manage the account's enrolled devices.") { list, revoke, approve };
    }
}
