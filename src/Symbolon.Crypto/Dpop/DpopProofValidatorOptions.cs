namespace Symbolon.Crypto.Dpop;

/// <summary>The time window a <see cref="DpopProofValidator"/> accepts for a proof's <c>iat</c> (RFC 9449 §11.1).</summary>
public sealed class DpopProofValidatorOptions
{
    /// <summary>How old a proof may be; positive. Default 60 seconds. The server keeps seen <c>jti</c>s this long.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How far in the future <c>iat</c> may lie, for clients whose clock runs ahead; zero or positive.
    /// Default 5 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);
}
