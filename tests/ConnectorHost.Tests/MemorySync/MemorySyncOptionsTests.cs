using ConnectorHost.MemorySync;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncOptionsTests
{
    [Test]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new MemorySyncOptions();

        options.BaseUrl.Should().Be(new Uri("https://api.memorysync.io"));
        options.Tier.Should().Be(MemorySyncTier.Pro);
        options.RequestTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.MaxRetries.Should().Be(4);
        options.MaxRetryAfter.Should().Be(TimeSpan.FromSeconds(120));
        options.Limits.Should().BeNull();
    }

    [Test]
    public void Validate_UsableOptions_FindsNothing()
    {
        new MemorySyncOptions { ApiKey = "ms_test_key", ProjectId = "proj_0123456789abcdef" }.Validate().Should().BeEmpty();
    }

    [Test]
    public void Validate_EverythingWrong_NamesEachKey()
    {
        var options = new MemorySyncOptions
        {
            BaseUrl = new Uri("ftp://example.com"),
            ApiKey = " ",
            Tier = (MemorySyncTier)42,
            Limits = new MemorySyncLimits { PerSecond = 0, PerHour = -1 },
            RequestTimeout = TimeSpan.Zero,
            MaxRetries = -1,
            MaxRetryAfter = TimeSpan.FromSeconds(-1),
            RetryBaseDelay = TimeSpan.FromSeconds(-1),
        };

        var problems = options.Validate();

        problems.Should().HaveCount(9);
        foreach (var key in new[] { "baseUrl", "apiKey", "tier", "limits.perSecond", "limits.perHour", "requestTimeout", "maxRetries", "maxRetryAfter", "retryBaseDelay" })
        {
            problems.Should().Contain(p => p.StartsWith($"memorySync.{key} ", StringComparison.Ordinal));
        }
    }

    [Test]
    public void Validate_KeyWithALineBreak_IsRefusedWithoutRepeatingIt()
    {
        var problems = new MemorySyncOptions { ApiKey = "ms_test_se\ncret" }.Validate();

        problems.Should().ContainSingle().Which.Should().StartWith("memorySync.apiKey ").And.NotContain("se\ncret");
    }
}
