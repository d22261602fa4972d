namespace Symbolon.Cli.Tests;

/// <summary>The exit codes the README documents (kept apart from the CLI's own constants on purpose: this is the contract).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Usage = 2;
    public const int NotLoggedIn = 3;
    public const int ServerUnreachable = 4;
    public const int Denied = 5;
    public const int NotFound = 6;
    public const int Tampered = 7;
    public const int AuditCheckFailed = 8;
}
