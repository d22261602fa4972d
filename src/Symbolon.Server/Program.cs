using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Symbolon.Protocol;
using Symbolon.Server.Accounts;
using Symbolon.Server.Audit;
using Symbolon.Server.Blinded;
using Symbolon.Server.Devices;
using Symbolon.Server.Hosting;
using Symbolon.Server.Operations;
using Symbolon.Server.Sessions;
using Symbolon.Server.Units;

// dotnet run --project src/Symbolon.Server [-- serve | migrate | verify-audit | rewrap-kek]
// The content root is the program's folder, so appsettings.json is found whatever the working directory. Anything that
// stops the server before it serves (settings, data directory, database, an address it must not or cannot listen on)
// is printed as an error and a hint, and the exit code is 1 (StartupFailures).
WebApplication app;
var command = ServerCommands.Find(args) ?? "serve";
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddSymbolonOptions()
        .AddSymbolonStorage()
        .AddSymbolonKeys()
        .AddSymbolonAuthentication()
        .AddSymbolonUnits()
        .AddSymbolonProtocol()
        .AddSymbolonOperations()
        .AddSymbolonBrowserClients()
        .AddSymbolonRequestLimits()
        .AddStartupFailures()
        .UseSafeUrls();

    app = builder.Build();
    app.Services.PrepareDataDirectory(command);
}
catch (Exception problem) when (problem is not HostAbortedException)
{
    return await StartupFailures.ReportAsync(problem);
}

if (command != "serve")
{
    return await ServerCommands.RunAsync(command, app.Services);
}

app.UseKnownProxies();

// The use channel's messages go through everything from routing on, as requests do.
app.UseChannelPipeline();
app.UseRouting();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiCors();
app.UseWebApp();

app.MapAccounts();
app.MapSessions();
app.MapDevices();
app.MapUnits();
app.MapBlinded();
app.MapAudit();
app.MapUseChannel();

app.MapOpenApi("/openapi/{documentName}.json");
app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/readyz");
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapGet(Routes.Noop, () => TypedResults.NoContent()).ExcludeFromDescription();

ServerCommands.PrintBanner(app);
try
{
    await app.StartAsync();
}
catch (Exception problem) when (problem is not HostAbortedException)
{
    return await StartupFailures.ReportAsync(problem);
}

await app.WaitForShutdownAsync();
return 0;

/// <summary>The entry point, public so integration tests can host the app.</summary>
public partial class Program;
