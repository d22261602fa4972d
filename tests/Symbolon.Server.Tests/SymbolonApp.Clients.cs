using Symbolon.Server.Tests;

namespace Symbolon.Testing;

public sealed partial class SymbolonApp
{
    public TestClient NewClient() => new(this, CreateClient());
}
