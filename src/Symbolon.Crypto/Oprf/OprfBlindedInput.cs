namespace Symbolon.Crypto.Oprf;

/// <summary>
/// One input the client has blinded (RFC 9497 §3.3 Blind): the <see cref="BlindedElement"/> to send, and the
/// input, blind and (POPRF) info kept for <see cref="OprfClient.Finalize(OprfBlindedInput, OprfEvaluation, Span{byte})"/>.
/// The input and blind are zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class OprfBlindedInput : IDisposable
{
    private readonly byte[] _blindedElement;

    internal OprfBlindedInput(
        OprfClient client, ReadOnlySpan<byte> input, ReadOnlySpan<byte> info, SecretBuffer blind, byte[] blindedElement, byte[] verificationKey)
    {
        Client = client;
        Input = new SecretBuffer(input);
        Info = info.ToArray();
        Blind = blind;
        _blindedElement = blindedElement;
        VerificationKey = verificationKey;
    }

    /// <summary>The element to send to the server (32 bytes); it reveals nothing about the input.</summary>
    public ReadOnlySpan<byte> BlindedElement => _blindedElement;

    /// <summary>The client that blinded it, which alone may finalize it (it knows the key the proof is checked against).</summary>
    internal OprfClient Client { get; }

    internal SecretBuffer Input { get; }

    internal byte[] Info { get; }

    internal SecretBuffer Blind { get; }

    /// <summary>What the proof is checked against: pkS in VOPRF, the tweaked key in POPRF, empty in OPRF.</summary>
    internal byte[] VerificationKey { get; }

    /// <summary>Zeroes the input and the blind.</summary>
    public void Dispose()
    {
        Input.Dispose();
        Blind.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"OprfBlindedInput({Client.Mode}, redacted)";
}
