using System.Runtime.Versioning;

// The suite drives real processes with POSIX tools (sh, kill) and POSIX signals.
[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]

// One key server process serves every test that does not need its own (see SharedKeyServer).
[assembly: AssemblyFixture(typeof(Symbolon.Cli.Tests.Infrastructure.SharedKeyServer))]
