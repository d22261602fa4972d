using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Symbolon.Protocol;

namespace Symbolon.Server.Hosting;

/// <summary>
/// What a request may cost before any endpoint sees it — bounded body and header sizes (Kestrel's limits) — and whose
/// address it counts as: the connection's, unless the connection comes from a proxy the operator named, whose
/// X-Forwarded-For is then believed (docs/operations.md, "Behind a proxy").
/// </summary>
public static class RequestLimits
{
    /// <summary>The largest request body: every /v1 body is a few hundred bytes of JSON.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>All request headers together (Kestrel's default is 32 KiB).</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>How many request headers (Kestrel's default is 100).</summary>
    public const int MaxHeaderCount = 64;

    public static WebApplicationBuilder AddSymbolonRequestLimits(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxHeaderBytes;
            kestrel.Limits.MaxRequestHeaderCount = MaxHeaderCount;
        });
        // Kestrel refuses a larger body while the endpoint reads it and the framework answers a bare 413; it becomes ours.
        builder.Services.Configure<ProblemDetailsOptions>(problems =>
        {
            var earlier = problems.CustomizeProblemDetails;
            problems.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
                {
                    context.ProblemDetails.Type = ProblemTypes.Uri(ProblemTypes.RequestTooLarge);
                    context.ProblemDetails.Title = Problems.RequestTooLargeTitle;
                    context.ProblemDetails.Detail = Problems.RequestTooLargeDetail;
                }
            };
        });
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ServerOptions>>((forwarded, server) =>
        {
            // Only the client address, and only from the named proxies: anyone else's X-Forwarded-For is ignored, so a
            // client cannot pick the address its throttles and audit records count against.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.ForwardLimit = null;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            var proxies = server.Value.Proxies;
            foreach (var proxy in proxies.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in proxies.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>Believes X-Forwarded-For from the configured proxies; with none configured (the default) adds nothing.</summary>
    public static WebApplication UseKnownProxies(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var proxies = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.Proxies;
        if (proxies.KnownProxies.Count > 0 || proxies.KnownNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
