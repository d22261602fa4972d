namespace Symbolon.Cli;

/// <summary>Documented exit codes (README, `symbolon --help`). `exec` exits with the child's code instead.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int NotLoggedIn = 3;
    public const int ServerUnreachable = 4;
    public const int Denied = 5;
    public const int NotFound = 6;
    public const int Tampered = 7;
    public const int AuditCheckFailed = 8;
}
