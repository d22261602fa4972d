using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Server.Sessions;

/// <summary>
/// Opaque bearer values: a prefix naming the kind (so a leaked one is easy to recognise in a scan) and 32 random
/// bytes. Only their SHA-256 is stored, so a database dump holds no usable token.
/// </summary>
public static class Tokens
{
    public const string AccessPrefix = "sya_";
    public const string RefreshPrefix = "syr_";

    public static string NewAccessToken() => AccessPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string NewRefreshToken() => RefreshPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
