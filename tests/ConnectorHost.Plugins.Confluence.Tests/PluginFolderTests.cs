namespace ConnectorHost.Plugins.Confluence.Tests;

public sealed class PluginFolderTests
{
    [Test]
    public void PluginFolder_BuiltNextToTheTests_HoldsThePluginAndItsPrivateDependenciesOnly()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "plugins", "Confluence");

        var files = Directory.GetFiles(folder).Select(Path.GetFileName).ToList();

        files.Should().Contain(["ConnectorHost.Plugins.Confluence.dll", "ConnectorHost.Plugins.Confluence.deps.json", "AngleSharp.dll", "Polly.Core.dll", "System.Threading.RateLimiting.dll"]);
        files.Should().NotContain(
            ["ConnectorHost.Abstractions.dll", "Microsoft.Extensions.Http.dll", "Microsoft.Extensions.DependencyInjection.Abstractions.dll", "Microsoft.Extensions.Logging.Abstractions.dll"],
            "the contract and what it exposes are shared with the host, never copied");
    }
}
