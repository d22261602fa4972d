using System.Diagnostics;
using Symbolon.Crypto.Dpop;

namespace Symbolon.LoadTest;

/// <summary>
/// How fast this machine signs DPoP proofs with nothing else running: the ceiling the load generator's own signing
/// puts on any phase, since client and server share the cores. Measured before the server starts.
/// </summary>
internal static class SigningRate
{
    public sealed record Result(int Threads, double ProofsPerSecond, double MicrosecondsPerProof);

    public static Result Measure(TimeSpan duration)
    {
        var threads = Environment.ProcessorCount;
        var uri = new Uri("http://127.0.0.1:5290/v1/units/0191f3a2-7b1c-7c3d-9e4f-123456789abc/release");

        // The same shape as a real access token ("sya_" and 32 base64url bytes), so ath hashes as much.
        var accessToken = "sya_" + Convert.ToBase64String(new byte[32]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Warm(uri, accessToken);

        var counts = new long[threads];
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            using var key = DeviceKey.Generate();
            long signed = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                _ = DpopProof.Create(key, "POST", uri, accessToken, DateTimeOffset.UtcNow);
                signed++;
            }

            counts[thread] = signed;
        });
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        self.Refresh();

        // CPU time actually used, not threads × wall time: on a busy machine the threads do not get whole cores.
        var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        return new Result(threads, counts.Sum() / seconds, 1_000_000.0 * cpu / counts.Sum());
    }

    private static void Warm(Uri uri, string accessToken)
    {
        using var key = DeviceKey.Generate();
        for (var i = 0; i < 2000; i++)
        {
            _ = DpopProof.Create(key, "POST", uri, accessToken, DateTimeOffset.UtcNow);
        }
    }
}
