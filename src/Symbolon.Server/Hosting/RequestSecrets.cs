using System.Security.Cryptography;

namespace Symbolon.Server.Hosting;

/// <summary>
/// Secret bytes a request holds in memory (a share released or drawn, or one the client sent): wiped when the request
/// ends, after the answer is written, on every path (a failed audit append or commit included).
/// </summary>
public static class RequestSecrets
{
    /// <summary>Registers <paramref name="secret"/> to be wiped when the request ends, and returns it.</summary>
    public static byte[] WipeWhenDone(this HttpContext http, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(secret);
        http.Response.RegisterForDispose(new Wipe(secret));
        return secret;
    }

    private sealed class Wipe(byte[] secret) : IDisposable
    {
        public void Dispose() => CryptographicOperations.ZeroMemory(secret);
    }
}
