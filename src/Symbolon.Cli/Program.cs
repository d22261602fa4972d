using System.CommandLine;
using Symbolon.Cli;
using Symbolon.Cli.Commands;

// symbolon: the command-line client. Every verb is a thin layer over Symbolon.Client.VaultClient, built in its own
// file under Commands/.
EmbeddedSodium.Register();
var globals = new GlobalOptions();
var root = new RootCommand("Symbolon: vendor credentials sealed on this device, opened only with the key server's consent.")
{
    globals.Json,
    globals.Home,
    globals.PassphraseFd,
    AccountCommand.Create(globals),
    LoginCommand.Create(globals),
    LogoutCommand.Create(globals),
    StatusCommand.Create(globals),
    PassphraseCommand.Create(globals),
    AddCommand.Create(globals),
    ListCommand.Create(globals),
    ShowCommand.Create(globals),
    ExecCommand.Create(globals),
    ReadCommand.Create(globals),
    InjectCommand.Create(globals),
    TotpCommand.Create(globals),
    RotateCommand.Create(globals),
    RemoveCommand.Create(globals),
    RemoveCommand.CreateRestore(globals),
    AuditCommand.Create(globals),
    DevicesCommand.Create(globals),
    SetCommand.Create(globals),
};

var parseResult = root.Parse(args);
if (parseResult.Errors.Count > 0)
{
    return Output.Error(string.Join("; ", parseResult.Errors.Select(e => e.Message)), "Run `symbolon --help`, or `symbolon <verb> --help`.", ExitCodes.Usage);
}

return await parseResult.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
