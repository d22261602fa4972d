// HKDF-SHA256 (RFC 5869, via System.Security.Cryptography.HKDF) for client shares and data keys. docs/spec.md §2.
using System.Security.Cryptography;
using System.Text;

namespace Symbolon.Crypto;

/// <summary>The two derivations of the split key. Inputs are validated by the public callers.</summary>
internal static class KeyDerivation
{
    private static readonly byte[] ClientShareLabel = Encoding.ASCII.GetBytes(Labels.ClientShare);
    private static readonly byte[] DataKeyLabel = Encoding.ASCII.GetBytes(Labels.DataKey);

    public static ClientShare DeriveClientShare(ReadOnlySpan<byte> rootKey, Guid vaultId, Guid unitId)
    {
        Span<byte> info = stackalloc byte[ClientShareLabel.Length + 32];
        ClientShareLabel.CopyTo(info);
        ItemContext.WriteId(vaultId, info[ClientShareLabel.Length..]);
        ItemContext.WriteId(unitId, info[(ClientShareLabel.Length + 16)..]);

        var share = new SecretBuffer(ClientShare.ShareSize);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, share.Span, salt: [], info);
        return new ClientShare(share);
    }

    public static DataKey DeriveDataKey(ReadOnlySpan<byte> clientShare, ReadOnlySpan<byte> serverShare, ItemContext context)
    {
        Span<byte> inputKeyMaterial = stackalloc byte[ClientShare.ShareSize + ServerShare.ShareSize];
        Span<byte> info = stackalloc byte[DataKeyLabel.Length + ItemContext.EncodedSize];
        var key = new SecretBuffer(DataKey.KeySize);
        try
        {
            clientShare.CopyTo(inputKeyMaterial);
            serverShare.CopyTo(inputKeyMaterial[ClientShare.ShareSize..]);
            DataKeyLabel.CopyTo(info);
            context.Encode(info[DataKeyLabel.Length..]);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, key.Span, salt: [], info);
            return new DataKey(key, context);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inputKeyMaterial);
        }
    }
}
