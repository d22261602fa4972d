using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Symbolon.Cli;

/// <summary>
/// The Native AOT binary carries libsodium inside it (the `libsodium` package ships no static library to link for
/// Linux): an embedded resource, loaded from an anonymous in-memory file (memfd) the first time libsodium is called, so
/// the binary is one file and no copy of the library sits on disk where another process could swap it. A build
/// without the resource (the JIT build the tests and the .NET tool run) loads libsodium.so from beside it as before;
/// where the embedded copy cannot be loaded (no memfd, or a host that refuses to map it), the usual search for a
/// system libsodium follows.
/// </summary>
internal static partial class EmbeddedSodium
{
    private const string Library = "libsodium";
    private const string ResourceName = "libsodium.so";
    private const uint CloseOnExec = 1; // MFD_CLOEXEC: an exec'd command does not inherit it

    private static readonly Lazy<nint> Handle = new(Load);

    /// <summary>Routes libsodium's imports (ours and NSec's) to the embedded copy, when this binary carries one.</summary>
    public static void Register()
    {
        if (!OperatingSystem.IsLinux() || typeof(EmbeddedSodium).Assembly.GetManifestResourceInfo(ResourceName) is null)
        {
            return;
        }

        nint Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? path) => name == Library ? Handle.Value : 0;
        NativeLibrary.SetDllImportResolver(typeof(Crypto.ClientRootKey).Assembly, Resolve);
        NativeLibrary.SetDllImportResolver(typeof(NSec.Cryptography.Key).Assembly, Resolve);
    }

    private static nint Load()
    {
        using var library = typeof(EmbeddedSodium).Assembly.GetManifestResourceStream(ResourceName)!;
        var descriptor = MemfdCreate(Library, CloseOnExec);
        if (descriptor < 0)
        {
            return 0; // the usual search then
        }

        // The descriptor stays open until the library is mapped: its /proc path is the file dlopen reads.
        using var owner = new SafeFileHandle(descriptor, ownsHandle: true);
        using (var file = new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0))
        {
            library.CopyTo(file);
        }

        return NativeLibrary.TryLoad($"/proc/self/fd/{descriptor}", out var handle) ? handle : 0;
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);
}
