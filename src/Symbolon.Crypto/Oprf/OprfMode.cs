namespace Symbolon.Crypto.Oprf;

/// <summary>The three RFC 9497 protocol variants; the value is the mode byte of the context string (§3.1).</summary>
public enum OprfMode : byte
{
    /// <summary>Base mode: the client learns the PRF output and cannot check which key the server used.</summary>
    Oprf = 0,

    /// <summary>Verifiable mode: every evaluation carries a proof against the server's public key.</summary>
    Voprf = 1,

    /// <summary>Partially oblivious mode: verifiable, and the output also depends on public info both sides know.</summary>
    Poprf = 2,
}
