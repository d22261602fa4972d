// Browser clients: CORS (Fetch standard, "CORS protocol") on the /v1 API for an explicit list of origins, and the
// reference web app served as static files at /app/ under a strict Content-Security-Policy (CSP Level 3). Nothing here
// sets or reads a cookie: every request carries its credentials in Authorization and DPoP headers, which a browser
// never attaches on its own, so Access-Control-Allow-Credentials is never sent.
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;

namespace Symbolon.Server.Hosting;

/// <summary>Registers and applies CORS for the /v1 API and the web app at /app/.</summary>
public static class BrowserClients
{
    /// <summary>Where the web app is served.</summary>
    public const string WebAppPath = "/app";

    /// <summary>The web app's entry page, served for /app/.</summary>
    public const string IndexFile = "index.html";

    /// <summary>
    /// The web app's policy: its own scripts, styles and images only (no inline script or style), requests to this
    /// server only, and no base, form target or framing.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Every method a /v1 route answers to (a test checks this against the mapped endpoints).</summary>
    public static readonly IReadOnlyList<string> ApiMethods = [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete];

    /// <summary>The request headers a client sends beyond the CORS-safelisted ones.</summary>
    public static readonly IReadOnlyList<string> ApiRequestHeaders = [Headers.Authorization, Headers.Dpop, Headers.ContentType];

    /// <summary>
    /// The response headers a client reads beyond the CORS-safelisted ones: only Retry-After (how long a 429 asks it to
    /// wait). The TypeScript client reads nothing else; it never follows a Location (fetch with redirect: 'error') and
    /// takes a 401 from its problem type, not from WWW-Authenticate.
    /// </summary>
    public static readonly IReadOnlyList<string> ApiResponseHeaders = [Headers.RetryAfter];

    /// <summary>
    /// How long a browser may reuse a preflight answer. Short, so that removing an origin takes effect within minutes
    /// (Chromium caps it at two hours anyway).
    /// </summary>
    public static readonly TimeSpan PreflightMaxAge = TimeSpan.FromMinutes(10);

    /// <summary>The CORS services and the start-up checks of <see cref="CrossOriginOptions"/> and <see cref="WebAppOptions"/>.</summary>
    public static WebApplicationBuilder AddSymbolonBrowserClients(this WebApplicationBuilder builder)
    {
        builder.Services.AddCors();
        builder.Services.AddSingleton<ChannelPipeline>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerOptions>, BrowserClientOptionsValidator>());
        return builder;
    }

    /// <summary>
    /// Answers CORS for the configured origins on /v1 only; with none configured (the default) the middleware is not
    /// even added, so no response carries a CORS header and browsers keep every other origin out.
    /// </summary>
    public static WebApplication UseApiCors(this WebApplication app)
    {
        var origins = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.Cors.AllowedOrigins;
        if (origins.Count == 0)
        {
            return app;
        }

        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(Routes.ApiBase),
            api => api.Use(VaryByOrigin).UseCors(policy => policy
                .WithOrigins([.. origins])
                .WithMethods([.. ApiMethods])
                .WithHeaders([.. ApiRequestHeaders])
                .WithExposedHeaders([.. ApiResponseHeaders])
                .SetPreflightMaxAge(PreflightMaxAge)));
        return app;
    }

    /// <summary>Serves the built web app at /app/ (static files only) when <see cref="WebAppOptions.Path"/> is set.</summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        var path = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.WebApp.Path;
        if (path is null)
        {
            return app;
        }

        // The PhysicalFileProvider refuses any path that leaves its root ("..", absolute paths), so nothing outside
        // the app's directory is reachable; only known file types are served.
        var files = new PhysicalFileProvider(Path.GetFullPath(path));
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(WebAppPath),
            web => web.Use(AddWebAppHeaders)
                .UseDefaultFiles(new DefaultFilesOptions { RequestPath = WebAppPath, FileProvider = files, DefaultFileNames = [IndexFile] })
                .UseStaticFiles(new StaticFileOptions { RequestPath = WebAppPath, FileProvider = files, OnPrepareResponse = SetCaching }));
        return app;
    }

    /// <summary>
    /// Whether a response carries CORS headers depends on the request's Origin, so every /v1 response says so, allowed
    /// origin or not; otherwise a shared cache could hand one origin's answer to another.
    /// </summary>
    private static Task VaryByOrigin(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(() =>
        {
            var vary = context.Response.Headers.Vary;
            if (!vary.Any(value => value is not null && value.Split(',').Any(name => name.Trim().Equals(CorsConstants.Origin, StringComparison.OrdinalIgnoreCase))))
            {
                context.Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.Vary, CorsConstants.Origin);
            }

            return Task.CompletedTask;
        });
        return next(context);
    }

    /// <summary>On every /app response, files, redirects and 404s alike.</summary>
    private static Task AddWebAppHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }

    /// <summary>
    /// index.html is never stored, so a new deployment is picked up at the next load; the other files are revalidated
    /// (ETag) on every use, so they cannot go stale beside a fresh index.html.
    /// </summary>
    private static void SetCaching(StaticFileResponseContext context) =>
        context.Context.Response.Headers.CacheControl = context.File.Name == IndexFile ? "no-store" : "no-cache";
}

/// <summary>
/// Checks the allowed origins and the web app's directory at start. Origins must be written exactly as browsers send
/// them, since they are compared as strings: an entry that could never match is refused rather than ignored.
/// </summary>
internal sealed class BrowserClientOptionsValidator : IValidateOptions<ServerOptions>
{
    private const string OriginsSetting = "Symbolon:Cors:AllowedOrigins";
    private const string WebAppSetting = "Symbolon:WebApp:Path";

    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var failures = options.Cors.AllowedOrigins.Select(OriginProblem).OfType<string>().Select(problem => $"{OriginsSetting}: {problem}").ToList();
        if (options.WebApp.Path is { } path)
        {
            var directory = Path.GetFullPath(path);
            if (!Directory.Exists(directory))
            {
                failures.Add($"{WebAppSetting}: the directory '{directory}' does not exist.");
            }
            else if (!File.Exists(Path.Combine(directory, BrowserClients.IndexFile)))
            {
                failures.Add($"{WebAppSetting}: '{directory}' has no {BrowserClients.IndexFile}; point it at the built web app.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Why <paramref name="entry"/> is not an acceptable origin, or null if it is one.</summary>
    internal static string? OriginProblem(string? entry)
    {
        if (string.IsNullOrWhiteSpace(entry))
        {
            return "an entry is empty.";
        }

        if (entry.Contains('*', StringComparison.Ordinal))
        {
            return $"'{entry}' has a wildcard; list every origin exactly.";
        }

        if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.IdnHost.Length == 0)
        {
            return $"'{entry}' is not an origin; write scheme://host[:port] with https (or http on loopback).";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            return $"'{entry}' uses http on a host that is not loopback; use https.";
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        var canonical = $"{uri.Scheme}://{host}{(uri.IsDefaultPort ? "" : $":{uri.Port}")}";
        return entry == canonical
            ? null
            : $"'{entry}' is not an origin as browsers send it (no path, query, fragment, user or trailing slash; lower case; no default port); write '{canonical}'.";
    }
}
