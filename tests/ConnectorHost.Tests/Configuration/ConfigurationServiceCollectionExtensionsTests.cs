using ConnectorHost.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Tests.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class ConfigurationServiceCollectionExtensionsTests
{
    [Test]
    public void AddHostConfiguration_LoadedConfiguration_ResolvesItsSectionsAndSecrets()
    {
        using var folder = new ConfigFolder();
        var configuration = ConfigurationLoader.Load(folder.UseCorpus("Good", "minimal.json"));

        using var provider = new ServiceCollection().AddHostConfiguration(configuration).BuildServiceProvider();

        provider.GetRequiredService<HostConfiguration>().Should().BeSameAs(configuration);
        provider.GetRequiredService<HostSection>().Should().BeSameAs(configuration.Host);
        provider.GetRequiredService<MemorySyncSection>().Should().BeSameAs(configuration.MemorySync);
        provider.GetRequiredService<DeliverySection>().Should().BeSameAs(configuration.Delivery);
        provider.GetRequiredService<SecretRegistry>().Should().BeSameAs(configuration.Secrets);
    }
}
