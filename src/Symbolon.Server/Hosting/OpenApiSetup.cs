// The OpenAPI 3.1 document served at /openapi/v1.json and committed as docs/openapi/v1.json, from which the TypeScript
// client's wire types are generated. The records of Symbolon.Protocol give the schemas; this file adds what the
// endpoint signatures cannot say: how each route authenticates (DPoP, RFC 9449; the operator token; an identity
// provider's JWT), the DPoP proof header, and which RFC 9457 problem types each route answers with.
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Symbolon.Protocol;

namespace Symbolon.Server.Hosting;

/// <summary>How a route authenticates, as documented in the OpenAPI document.</summary>
public enum ApiAuthentication
{
    /// <summary>"Authorization: DPoP &lt;access token&gt;" and a DPoP proof signed by the session's device.</summary>
    Session,

    /// <summary>No session; a DPoP proof signed by the device key (the key being enrolled or holding the session).</summary>
    DeviceProof,

    /// <summary>Like <see cref="DeviceProof"/>, optionally with an identity provider's JWT as "Authorization: Bearer".</summary>
    DeviceProofOrIdentityToken,

    /// <summary>The operator token from the data directory as "Authorization: Bearer".</summary>
    Operator,
}

/// <summary>Endpoint metadata: how the route authenticates.</summary>
public sealed record AuthenticationMetadata(ApiAuthentication Kind);

/// <summary>Endpoint metadata: problem types (<see cref="ProblemTypes"/> slugs) the route answers with.</summary>
public sealed record ProblemsMetadata(IReadOnlyList<string> Slugs);

/// <summary>Registers the OpenAPI document and the endpoint conventions that feed it.</summary>
public static class OpenApiSetup
{
    /// <summary>The security scheme of session routes.</summary>
    public const string DpopSecurityScheme = "DPoP";

    /// <summary>The security scheme of operator routes.</summary>
    public const string OperatorSecurityScheme = "OperatorToken";

    /// <summary>The optional security scheme of the login route (external identity).</summary>
    public const string IdentitySecurityScheme = "IdentityToken";

    private const string ProblemSchemaId = "ProblemDetails";
    private const string PublicJwkSchemaId = "PublicJwk";
    private const string ProblemMediaType = "application/problem+json";

    /// <summary>The document, its transformers, and schema ids that name what a JWK is rather than how it is parsed.</summary>
    public static WebApplicationBuilder AddSymbolonOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.CreateSchemaReferenceId = type =>
                type.Type == typeof(JsonElement) ? PublicJwkSchemaId : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer(DescribeDocument);
            options.AddOperationTransformer(DescribeOperation);
            options.AddSchemaTransformer(DescribeSchema);
        });
        return builder;
    }

    /// <summary>Documents how the endpoints of <paramref name="builder"/> authenticate.</summary>
    public static TBuilder Authenticates<TBuilder>(this TBuilder builder, ApiAuthentication kind)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AuthenticationMetadata(kind));

    /// <summary>Documents problem types (<see cref="ProblemTypes"/> slugs) the endpoints of <paramref name="builder"/> answer with.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params string[] slugs)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new ProblemsMetadata(slugs));

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Symbolon key server",
            Version = "v1",
            Description = "Releases per-unit server shares and blinded-mode evaluations to device-bound sessions, audited and " +
                "rate-limited. Byte strings are base64 (RFC 4648 §4, with padding). Errors are RFC 9457 problem details whose " +
                "`type` is " + ProblemTypes.Base + "<slug> (docs/api.md).",
        };

        // The address depends on the deployment; a document that names one would differ per machine.
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [DpopSecurityScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = Headers.DpopScheme,
                Description = "RFC 9449: \"Authorization: DPoP <access token>\" together with a DPoP proof header signed by the session's device key (ES256), with `ath`.",
            },
            [OperatorSecurityScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The operator token from the server's data directory (operator.token).",
            },
            [IdentitySecurityScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An ID token from the configured OpenID Connect issuer, exchanged for a device-bound session.",
            },
        };
        return Task.CompletedTask;
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The OpenAPI document is not available to operation transformers.");
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var slugs = metadata.OfType<ProblemsMetadata>().SelectMany(p => p.Slugs).ToList();
        if (context.Description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body))
        {
            slugs.Add(ProblemTypes.InvalidRequest);
        }

        switch (metadata.OfType<AuthenticationMetadata>().LastOrDefault()?.Kind)
        {
            case ApiAuthentication.Session:
                Require(operation, document, DpopSecurityScheme);
                AddProofHeader(operation, "A DPoP proof (RFC 9449) for this request signed by the session's device key, with `ath` binding the access token.");
                slugs.AddRange([ProblemTypes.Unauthorized, ProblemTypes.DeviceRevoked]);
                break;
            case ApiAuthentication.DeviceProof:
                AddProofHeader(operation, "A DPoP proof (RFC 9449) for this request signed by the device key.");
                break;
            case ApiAuthentication.DeviceProofOrIdentityToken:
                AddProofHeader(operation, "A DPoP proof (RFC 9449) for this request signed by the device key being logged in (enrolled on first use).");
                operation.Security = [new OpenApiSecurityRequirement(), Requirement(document, IdentitySecurityScheme)];
                break;
            case ApiAuthentication.Operator:
                Require(operation, document, OperatorSecurityScheme);
                slugs.Add(ProblemTypes.OperatorRequired);
                break;
            case null:
                break;
        }

        if (slugs.Count > 0)
        {
            EnsureProblemSchema(document);
        }

        operation.Responses ??= [];
        foreach (var byStatus in slugs.Distinct().GroupBy(ProblemTypes.StatusOf).OrderBy(g => g.Key))
        {
            var response = new OpenApiResponse
            {
                Description = "A problem of type " + string.Join(" or ", byStatus.Order(StringComparer.Ordinal).Select(ProblemTypes.Uri)) + ".",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ProblemMediaType] = new() { Schema = new OpenApiSchemaReference(ProblemSchemaId, document) },
                },
            };
            if (byStatus.Key == StatusCodes.Status429TooManyRequests)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    [Headers.RetryAfter] = new OpenApiHeader
                    {
                        Description = "Whole seconds to wait before trying again.",
                        Required = true,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                    },
                };
            }

            operation.Responses[byStatus.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        return Task.CompletedTask;
    }

    /// <summary>The device key travels as a JWK, parsed strictly by the server (a private part is refused).</summary>
    private static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(JsonElement))
        {
            return Task.CompletedTask;
        }

        schema.Type = JsonSchemaType.Object;
        schema.Description = "A public P-256 key as a JWK (RFC 7517): kty \"EC\", crv \"P-256\", x and y base64url; a private part (d) is refused.";
        schema.Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["kty"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("EC")] },
            ["crv"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("P-256")] },
            ["x"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "base64url, 32 bytes." },
            ["y"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "base64url, 32 bytes." },
        };
        schema.Required = new HashSet<string>(["kty", "crv", "x", "y"]);
        return Task.CompletedTask;
    }

    private static void Require(OpenApiOperation operation, OpenApiDocument document, string scheme) =>
        operation.Security = [Requirement(document, scheme)];

    private static OpenApiSecurityRequirement Requirement(OpenApiDocument document, string scheme) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    private static void AddProofHeader(OpenApiOperation operation, string description)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = Headers.Dpop,
            In = ParameterLocation.Header,
            Required = true,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A compact JWS (typ dpop+jwt, alg ES256)." },
        });
    }

    private static void EnsureProblemSchema(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (document.Components.Schemas.ContainsKey(ProblemSchemaId))
        {
            return;
        }

        document.Components.Schemas[ProblemSchemaId] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details. Clients decide by `type` (" + ProblemTypes.Base + "<slug>), never by title or detail.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                // Every type this server answers with, so that generated clients can check the types they handle.
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "uri",
                    Enum = [.. ProblemTypes.All.Select(slug => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(ProblemTypes.Uri(slug)))],
                },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            },
            Required = new HashSet<string>(["type", "title", "status", "detail"]),
        };
    }
}
