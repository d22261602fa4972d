using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using NSec.Cryptography;
using Symbolon.Server.Hosting;
using Symbolon.Server.Operations;

namespace Symbolon.Server.Accounts;

/// <summary>
/// Argon2id (libsodium through NSec) with a 16-byte random salt and a 32-byte output. At most one hash per core runs
/// at a time, so a flood of logins or sign-ups queues instead of exhausting memory (19 MiB each by default).
/// </summary>
public sealed class PasswordHasher(IOptions<ServerOptions> options, ServerMetrics metrics) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    private const int SaltSize = 16;
    private const int HashSize = 32;

    /// <summary>Hashes an unknown account's attempt too, so a missing account costs the same time as a wrong password.</summary>
    private static readonly byte[] DummySalt = RandomNumberGenerator.GetBytes(SaltSize);

    public async Task<(byte[] Hash, byte[] Salt, string Parameters)> HashAsync(string password, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return Hash(password);
        }
        finally
        {
            _slots.Release();
        }
    }

    public async Task<bool> VerifyAsync(string password, byte[]? hash, byte[]? salt, string? parameters, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return Verify(password, hash, salt, parameters);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();

    private (byte[] Hash, byte[] Salt, string Parameters) Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var parameters = Current();
        return (Derive(password, salt, parameters), salt, Format(parameters));
    }

    private bool Verify(string password, byte[]? hash, byte[]? salt, string? parameters)
    {
        if (hash is null || salt is null || parameters is null || !TryParse(parameters, out var stored))
        {
            var wasted = Derive(password, DummySalt, Current());
            CryptographicOperations.ZeroMemory(wasted);
            return false;
        }

        var candidate = Derive(password, salt, stored);
        try
        {
            return CryptographicOperations.FixedTimeEquals(candidate, hash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(candidate);
        }
    }

    private Argon2Parameters Current() => new()
    {
        DegreeOfParallelism = 1,
        MemorySize = options.Value.Passwords.MemoryKib,
        NumberOfPasses = options.Value.Passwords.Passes,
    };

    private byte[] Derive(string password, byte[] salt, Argon2Parameters parameters)
    {
        metrics.PasswordHashed();
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(parameters);
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            return algorithm.DeriveBytes(passwordBytes, salt, HashSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static string Format(Argon2Parameters parameters) =>
        string.Create(CultureInfo.InvariantCulture, $"argon2id:m={parameters.MemorySize},t={parameters.NumberOfPasses},p=1");

    private static bool TryParse(string text, out Argon2Parameters parameters)
    {
        parameters = default;
        var parts = text.Split([':', ',', '='], StringSplitOptions.None);
        if (parts is not ["argon2id", "m", var memory, "t", var passes, "p", "1"]
            || !long.TryParse(memory, NumberStyles.None, CultureInfo.InvariantCulture, out var memoryKib)
            || !long.TryParse(passes, NumberStyles.None, CultureInfo.InvariantCulture, out var passCount))
        {
            return false;
        }

        parameters = new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKib, NumberOfPasses = passCount };
        return true;
    }
}
