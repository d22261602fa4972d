using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Symbolon.Server.Hosting;

/// <summary>
/// Answers a request that cannot be bound — a body that is not JSON, a member the contract requires missing or null, a
/// value of the wrong type, a query value that does not parse — with our invalid-request problem naming the member,
/// instead of ASP.NET Core's bare 400. Binding reports these by throwing (RouteHandlerOptions.ThrowOnBadRequest, on in
/// every environment) before any endpoint filter runs, so nothing was authenticated, counted or recorded.
/// </summary>
public sealed class BindingFailures(IOptions<JsonOptions> json) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            await Problems.RequestTooLarge().ExecuteAsync(httpContext);
            return true;
        }

        // 415: a JSON body sent without a JSON Content-Type, which would otherwise end as a 500.
        if (exception is not BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest or StatusCodes.Status415UnsupportedMediaType } failure)
        {
            return false;
        }

        await Problems.InvalidRequest(Describe(httpContext, failure)).ExecuteAsync(httpContext);
        return true;
    }

    private string Describe(HttpContext http, BadHttpRequestException failure)
    {
        // The exception handler has cleared the request's endpoint; the feature keeps the one that failed.
        var endpoint = http.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var body = bodyType is null ? null : json.Value.SerializerOptions.GetTypeInfo(bodyType);
        if (failure.InnerException is JsonException { Path: { } path } invalid && path.StartsWith("$.", StringComparison.Ordinal))
        {
            var name = path[2..];
            var member = body?.Properties.FirstOrDefault(p => p.Name == name);

            // A conversion or a null the contract forbids has no inner exception or a format one; anything else is the
            // JSON itself being malformed at that point.
            return member is not null && invalid.InnerException is null or FormatException or InvalidOperationException
                ? $"`{name}` must be {Expected(member)}."
                : $"The body is not valid JSON at `{name}`.";
        }

        var bodyMissing = http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false;
        if (body is not null && (failure.InnerException is JsonException || bodyMissing))
        {
            var required = body.Properties.Where(p => p.IsRequired).Select(p => $"`{p.Name}`").ToList();
            return required.Count == 0
                ? "The body must be a JSON object."
                : $"The body must be a JSON object with {string.Join(", ", required[..^1])}{(required.Count > 1 ? " and " : "")}{required[^1]}.";
        }

        // A route or query value: the framework's message names the parameter and the value.
        return failure.Message;
    }

    private static string Expected(JsonPropertyInfo member)
    {
        var type = Nullable.GetUnderlyingType(member.PropertyType) ?? member.PropertyType;
        var kind = type == typeof(string) ? "a string"
            : type == typeof(byte[]) ? "a base64 string"
            : type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(Guid) ? "a UUID"
            : "a value of the documented type (docs/api.md)";
        return (member.AssociatedParameter?.IsNullable ?? member.IsSetNullable) ? kind + " or null" : kind;
    }
}
