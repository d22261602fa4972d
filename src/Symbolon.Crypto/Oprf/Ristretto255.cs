// The ristretto255 group (RFC 9496) and its scalars mod ℓ = 2^252 + 27742317777372353535851937790883648493, as
// libsodium (>= 1.0.18, native library of the `libsodium` NuGet package) implements them: elements and scalars are
// 32 bytes, little-endian scalars, the identity encodes as 32 zero bytes. No group or field arithmetic is done here.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Symbolon.Crypto.Oprf;

/// <summary>
/// Span wrappers over libsodium's <c>crypto_core_ristretto255_*</c> and <c>crypto_scalarmult_ristretto255*</c>.
/// Callers pass only validated elements (<see cref="IsValidElement"/>) or ones these functions produced.
/// </summary>
internal static partial class Ristretto255
{
    public const int ElementSize = 32;
    public const int ScalarSize = 32;

    /// <summary>Input size of <see cref="FromUniformBytes"/> and <see cref="Reduce"/>.</summary>
    public const int UniformSize = 64;

    private const string Library = "libsodium";
    private static readonly Version MinimumVersion = new(1, 0, 18);
    private static readonly Lazy<bool> Initialized = new(Initialize);

    /// <summary>
    /// RFC 9497 §4.1 DeserializeElement plus the identity check §3.3 requires of every received element: a canonical
    /// ristretto255 encoding (libsodium rejects the rest) that is not the identity.
    /// </summary>
    public static bool IsValidElement(ReadOnlySpan<byte> element)
    {
        EnsureInitialized();
        return element.Length == ElementSize && crypto_core_ristretto255_is_valid_point(element) == 1 && !IsIdentity(element);
    }

    /// <summary>Constant time: some elements checked here derive from the client's secret input.</summary>
    public static bool IsIdentity(ReadOnlySpan<byte> element) => IsZero(element);

    /// <summary>Constant time.</summary>
    public static bool IsZero(ReadOnlySpan<byte> bytes) => CryptographicOperations.FixedTimeEquals(bytes, stackalloc byte[bytes.Length]);

    /// <summary>
    /// RFC 9497 §4.1 DeserializeScalar: 32 bytes holding an integer below ℓ (zero included). libsodium has no
    /// exported check, so the scalar is reduced and compared with itself, in constant time.
    /// </summary>
    public static bool IsCanonicalScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != ScalarSize)
        {
            return false;
        }

        Span<byte> wide = stackalloc byte[UniformSize];
        Span<byte> reduced = stackalloc byte[ScalarSize];
        try
        {
            scalar.CopyTo(wide);
            Reduce(reduced, wide);
            return CryptographicOperations.FixedTimeEquals(reduced, scalar);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wide);
            CryptographicOperations.ZeroMemory(reduced);
        }
    }

    /// <summary>The RFC 9496 §4.3.4 one-way map from 64 uniform bytes to an element (as in RFC 9380 hash_to_ristretto255).</summary>
    public static void FromUniformBytes(Span<byte> element, ReadOnlySpan<byte> uniform)
    {
        Debug.Assert(element.Length == ElementSize && uniform.Length == UniformSize, "32-byte element from 64 bytes.");
        EnsureInitialized();
        _ = crypto_core_ristretto255_from_hash(element, uniform);
    }

    /// <summary>
    /// <c>result = scalar · element</c>. libsodium returns -1 when the product is the identity (the inputs are valid),
    /// and then the result is the identity; callers that must reject it check <see cref="IsIdentity"/>.
    /// </summary>
    public static void Multiply(Span<byte> result, ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> element)
    {
        AssertSizes(result, scalar, element);
        EnsureInitialized();
        if (crypto_scalarmult_ristretto255(result, scalar, element) != 0)
        {
            result.Clear();
        }
    }

    /// <summary><c>result = scalar · G</c>; the identity when the scalar is zero.</summary>
    public static void MultiplyBase(Span<byte> result, ReadOnlySpan<byte> scalar)
    {
        AssertSizes(result, scalar, scalar);
        EnsureInitialized();
        if (crypto_scalarmult_ristretto255_base(result, scalar) != 0)
        {
            result.Clear();
        }
    }

    public static void Add(Span<byte> result, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        AssertSizes(result, left, right);
        EnsureInitialized();
        var status = crypto_core_ristretto255_add(result, left, right);
        Debug.Assert(status == 0, "Both elements are valid.");
    }

    /// <summary>Reduces a 64-byte little-endian integer mod ℓ.</summary>
    public static void Reduce(Span<byte> scalar, ReadOnlySpan<byte> wide)
    {
        Debug.Assert(scalar.Length == ScalarSize && wide.Length == UniformSize, "32-byte scalar from 64 bytes.");
        EnsureInitialized();
        crypto_core_ristretto255_scalar_reduce(scalar, wide);
    }

    /// <summary>Returns false (RFC 9497 InverseError) when the scalar is zero.</summary>
    public static bool TryInvert(Span<byte> result, ReadOnlySpan<byte> scalar)
    {
        AssertSizes(result, scalar, scalar);
        EnsureInitialized();
        return crypto_core_ristretto255_scalar_invert(result, scalar) == 0;
    }

    public static void MultiplyScalars(Span<byte> result, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        AssertSizes(result, left, right);
        EnsureInitialized();
        crypto_core_ristretto255_scalar_mul(result, left, right);
    }

    public static void AddScalars(Span<byte> result, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        AssertSizes(result, left, right);
        EnsureInitialized();
        crypto_core_ristretto255_scalar_add(result, left, right);
    }

    public static void SubtractScalars(Span<byte> result, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        AssertSizes(result, left, right);
        EnsureInitialized();
        crypto_core_ristretto255_scalar_sub(result, left, right);
    }

    /// <summary>RFC 9497 RandomScalar: uniform in [1, ℓ − 1] (libsodium retries on zero), from the OS CSPRNG.</summary>
    public static void RandomScalar(Span<byte> scalar)
    {
        Debug.Assert(scalar.Length == ScalarSize, "32-byte scalar.");
        EnsureInitialized();
        crypto_core_ristretto255_scalar_random(scalar);
    }

    /// <summary>Loads and initialises libsodium once per process; a failure is reported the same way every time.</summary>
    public static void EnsureInitialized() => _ = Initialized.Value;

    private static bool Initialize()
    {
        try
        {
            if (sodium_init() < 0)
            {
                throw new InvalidOperationException("libsodium failed to initialise (sodium_init returned -1).");
            }

            var versionText = Marshal.PtrToStringUTF8(sodium_version_string());
            if (!Version.TryParse(versionText, out var version) || version < MinimumVersion)
            {
                throw new InvalidOperationException(
                    $"libsodium {versionText} was loaded, but ristretto255 needs {MinimumVersion} or later. " +
                    "Another copy of libsodium is being found first; remove it or make the `libsodium` NuGet package's copy win.");
            }

            return true;
        }
        catch (DllNotFoundException exception)
        {
            throw new InvalidOperationException(
                "The native libsodium library could not be loaded. It ships in the `libsodium` NuGet package under " +
                "runtimes/<rid>/native/; restore the project and run it for a runtime identifier the package supports " +
                "(linux-x64, linux-arm64, osx-arm64, win-x64, …), or install libsodium 1.0.18+ system-wide.",
                exception);
        }
    }

    [Conditional("DEBUG")]
    private static void AssertSizes(ReadOnlySpan<byte> result, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        Debug.Assert(result.Length == 32 && left.Length == 32 && right.Length == 32, "Elements and scalars are 32 bytes.");

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial nint sodium_version_string();

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_is_valid_point(ReadOnlySpan<byte> p);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_from_hash(Span<byte> p, ReadOnlySpan<byte> r);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_add(Span<byte> r, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_ristretto255(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_ristretto255_base(Span<byte> q, ReadOnlySpan<byte> n);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_reduce(Span<byte> r, ReadOnlySpan<byte> s);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_scalar_invert(Span<byte> recip, ReadOnlySpan<byte> s);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_mul(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_add(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_sub(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_random(Span<byte> r);
}
