using ConnectorHost.Plugins;

namespace ConnectorHost.Tests.Plugins;

public sealed class ContractCompatibilityTests
{
    [TestCase("1.0.0.0", "1.0.0.0")]
    [TestCase("1.0.0.0", "1.3.0.0")]
    [TestCase("1.3.0.0", "1.3.0.0")]
    [TestCase("1.3.0.0", "1.3.5.0")]
    public void Check_SameMajorAndNoNewerMinor_IsCompatible(string plugin, string host)
    {
        ContractCompatibility.Check(Version.Parse(plugin), Version.Parse(host)).Should().BeNull();
    }

    [TestCase("2.0.0.0", "1.0.0.0", "built against ConnectorHost.Abstractions 2.0; this host provides 1.0 (major versions differ): rebuild the plugin against 1.x")]
    [TestCase("0.9.0.0", "1.0.0.0", "built against ConnectorHost.Abstractions 0.9; this host provides 1.0 (major versions differ): rebuild the plugin against 1.x")]
    [TestCase("1.4.0.0", "1.3.0.0", "built against ConnectorHost.Abstractions 1.4; this host provides 1.3 (the plugin needs a newer minor version): upgrade the host, or rebuild the plugin against 1.3")]
    public void Check_OtherMajorOrNewerMinor_SaysWhyAndWhatToDo(string plugin, string host, string expected)
    {
        ContractCompatibility.Check(Version.Parse(plugin), Version.Parse(host)).Should().Be(expected);
    }

    [Test]
    public void Check_NoContractReference_SaysSo()
    {
        ContractCompatibility.Check(null, new Version(1, 2, 0, 0)).Should().Be(
            "the plugin does not reference ConnectorHost.Abstractions; rebuild it against ConnectorHost.Abstractions 1.x");
    }

    [Test]
    public void Ensure_SharedAssemblyNewerThanTheHosts_IsNotSupported()
    {
        var metadata = Metadata(new Dictionary<string, Version> { ["Microsoft.Extensions.Http"] = new(99, 0, 0, 0) });

        var act = () => ContractCompatibility.Ensure(metadata, new Version(1, 0, 0, 0));

        var host = typeof(IHttpClientFactory).Assembly.GetName().Version!;
        act.Should().Throw<PluginRefusedException>()
            .Where(e => e.Status == PluginStatus.NotSupported)
            .WithMessage(
                $"built against Microsoft.Extensions.Http 99.0.0.0; this host provides {host}, which the plugin shares: "
                + $"rebuild the plugin against version {host.Major}.{host.Minor} of that package");
    }

    [Test]
    public void Ensure_SharedAssemblyNoNewerThanTheHosts_IsCompatible()
    {
        var host = typeof(IHttpClientFactory).Assembly.GetName().Version!;
        var metadata = Metadata(new Dictionary<string, Version> { ["Microsoft.Extensions.Http"] = host });

        var act = () => ContractCompatibility.Ensure(metadata, new Version(1, 0, 0, 0));

        act.Should().NotThrow();
    }

    private static PluginMetadata Metadata(Dictionary<string, Version> shared) => new(
        AssemblyPath: "/plugins/X/X.dll",
        AssemblyName: "X",
        Id: "X",
        DisplayName: "X",
        RegistrarTypeName: "X.Plugin",
        Version: "1.0.0",
        ContractVersion: new Version(1, 0, 0, 0),
        SharedReferences: shared);
}
