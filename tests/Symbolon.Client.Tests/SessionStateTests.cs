using Symbolon.Client.Sessions;

namespace Symbolon.Client.Tests;

public sealed class SessionStateTests
{
    [Fact]
    public void A_session_never_shows_its_tokens()
    {
        var session = new SessionState(
            new Uri("http://key1.test/"), "grace", Guid.NewGuid(), Guid.NewGuid(), "sya_the-access-token", "syr_the-refresh-token",
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var shown = session.ToString();

        Assert.DoesNotContain("the-access-token", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("the-refresh-token", shown, StringComparison.Ordinal);
        Assert.Contains("grace", shown, StringComparison.Ordinal);
        Assert.Contains("HasTokens = True", shown, StringComparison.Ordinal);
    }
}
