namespace Symbolon.Protocol;

/// <summary>An RFC 9457 problem as clients read it ("application/problem+json"); <see cref="ProblemTypes"/> lists the types.</summary>
/// <param name="Type">The problem type's URI.</param>
/// <param name="Title">A short summary.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What happened.</param>
/// <param name="Units">A refused unit use: the units refused (the extension member <c>units</c>).</param>
public sealed record Problem(string? Type = null, string? Title = null, int? Status = null, string? Detail = null, IReadOnlyList<Guid>? Units = null);
