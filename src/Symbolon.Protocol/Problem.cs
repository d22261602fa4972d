namespace Symbolon.Protocol;

/// <summary>An RFC 9457 problem as clients read it ("application/problem+json"); <see cref="ProblemTypes"/> lists the types.</summary>
public sealed record Problem(string? Type = null, string? Title = null, int? Status = null, string? Detail = null);
