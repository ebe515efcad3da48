using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncServiceCollectionExtensionsTests
{
    [Test]
    public async Task AddMemorySync_Resolved_GivesOneClientForTheProcess()
    {
        var services = new ServiceCollection();
        services.AddMemorySync(new MemorySyncOptions { ApiKey = "ms_test_key" });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var shared = provider.GetRequiredService<IMemorySyncClient>();

        shared.Should().BeSameAs(provider.GetRequiredService<IMemorySyncClient>());
        shared.Should().BeSameAs(provider.GetRequiredService<MemorySyncClient>());
    }

    [Test]
    public void AddMemorySync_InvalidOptions_ThrowsNamingTheKeys()
    {
        var services = new ServiceCollection();

        var add = () => services.AddMemorySync(new MemorySyncOptions { ApiKey = "", MaxRetries = -2 });

        add.Should().Throw<ArgumentException>().WithMessage("*memorySync.apiKey*").WithMessage("*memorySync.maxRetries*");
    }

    [Test]
    public async Task AddAsync_EndUserOrKeyThatCannotTravelInAHeader_ThrowsWithoutSending()
    {
        await using var server = await ScriptedServer.StartAsync();
        await using var harness = ClientHarness.Create(server.BaseAddress);
        var item = new MemoryItem { Text = "A memory worth keeping." };

        var badUser = () => harness.Client.AddAsync("müller\n", item, null, CancellationToken.None);
        var badKey = () => harness.Client.AddAsync("ops-team", item, new MemoryWriteOptions { IdempotencyKey = "clé" }, CancellationToken.None);

        await badUser.Should().ThrowAsync<ArgumentException>().WithParameterName("endUserId");
        await badKey.Should().ThrowAsync<ArgumentException>().WithParameterName("options.IdempotencyKey");
        server.Received.Should().BeEmpty();
    }

    [Test]
    public async Task SecretScan_KeyInALogLine_IsCaught()
    {
        await using var server = await ScriptedServer.StartAsync();
        var harness = ClientHarness.Create(server.BaseAddress);
        var logger = harness.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Leaky");

        // What the scan every client test ends with must catch: a key that reached a log line.
        logger.LogInformation("Sending with key {Key}", harness.Options.ApiKey);

        harness.Invoking(h => h.AssertNoSecret()).Should().Throw<AssertionException>();
        harness.Logs.Clear();
        await harness.DisposeAsync();
    }
}
