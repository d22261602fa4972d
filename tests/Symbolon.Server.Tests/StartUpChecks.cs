using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Symbolon.Server.Hosting;

namespace Symbolon.Server.Tests;

/// <summary>Settings the server must refuse at start.</summary>
internal static class StartUpChecks
{
    /// <summary>
    /// Checks that an in-process server does not start with <paramref name="settings"/>, and returns the message
    /// Program.cs prints after "symbolon-server: error:" for them (the settings' validation failure, which the
    /// in-process host only writes to the console).
    /// </summary>
    public static string Problem(Dictionary<string, string?> settings)
    {
        using (var app = new SymbolonApp(settings))
        {
            Assert.ThrowsAny<InvalidOperationException>(() => app.CreateClient());
        }

        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSymbolonOptions().AddSymbolonBrowserClients();
        using var host = builder.Build();
        return Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<ServerOptions>>().Value).Message;
    }
}
