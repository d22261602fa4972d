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
// The content root is the program's folder, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSymbolonOptions()
    .AddSymbolonStorage()
    .AddSymbolonKeys()
    .AddSymbolonAuthentication()
    .AddSymbolonUnits()
    .AddSymbolonProtocol()
    .AddSymbolonOperations()
    .AddSymbolonBrowserClients()
    .UseSafeUrls();

var app = builder.Build();
var command = ServerCommands.Find(args) ?? "serve";
try
{
    app.Services.PrepareDataDirectory(command);
}
catch (StartupException problem)
{
    await Console.Error.WriteLineAsync($"symbolon-server: error: {problem.Message}");
    await Console.Error.WriteLineAsync($"symbolon-server: hint: {problem.Hint}");
    return 1;
}
catch (Microsoft.Extensions.Options.OptionsValidationException problem)
{
    await Console.Error.WriteLineAsync($"symbolon-server: error: {problem.Message}");
    await Console.Error.WriteLineAsync("symbolon-server: hint: the settings and their defaults are in docs/operations.md.");
    return 1;
}
catch (Npgsql.NpgsqlException problem)
{
    await Console.Error.WriteLineAsync($"symbolon-server: error: the PostgreSQL database is unreachable or refused the login: {problem.Message}");
    await Console.Error.WriteLineAsync("symbolon-server: hint: check Symbolon:Database:ConnectionString (host, port, database, user) and that the server accepts connections from here.");
    return 1;
}

if (command != "serve")
{
    return await ServerCommands.RunAsync(command, app.Services);
}

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
await app.RunAsync();
return 0;

/// <summary>The entry point, public so integration tests can host the app.</summary>
public partial class Program;
