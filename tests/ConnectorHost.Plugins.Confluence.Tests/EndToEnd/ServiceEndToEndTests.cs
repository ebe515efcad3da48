using ConnectorHost.Testing;

namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>The Confluence connector scheduled by the running service (<c>connector-host run</c>).</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ServiceEndToEndTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Run_ScheduledConnector_PicksUpAnEditOnItsOwn()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        var ids = fixture.CreatePages("ENG", 15, TimeSpan.FromSeconds(20));
        fixture.Connector["schedule"] = "* * * * * ?";
        fixture.Connector["runOnStartup"] = true;
        fixture.WriteConfig();
        await using var service = await fixture.Appliance.StartServiceAsync();
        await Eventually.TrueAsync(
            async () => (await fixture.AllMemoriesAsync()).Count == 15, "the first scheduled run delivered every page", s_timeout);

        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        fixture.Site.Edit(ids[6], "<p>Page 006, edited while the service runs.</p>");
        await Eventually.TrueAsync(
            async () => (await fixture.MemoriesOfAsync(ids[6])).Any(m => !m.IsDeleted && m.MetadataValue("version") == "2"),
            "a scheduled run delivered the edit",
            s_timeout);
        var stopped = await service.StopAsync();

        stopped.ExitCode.Should().Be(0, stopped.ToString());
        await fixture.VerifyAgainstSiteAsync("service");
        var page = await fixture.MemoriesOfAsync(ids[6]);
        page.Select(m => (m.MetadataValue("version"), m.IsDeleted)).Should().BeEquivalentTo([("1", true), ("2", false)], "the edit replaced the first version");
        page.Single(m => !m.IsDeleted).Text.Should().Be("Page 006\n\nPage 006, edited while the service runs.");
        var runs = fixture.Searches.Count(r => !r.Has("cursor"));
        TestContext.Out.WriteLine($"[service] searches started by scheduled runs: {runs}");
        runs.Should().BeGreaterThanOrEqualTo(2, "the service ran the connector more than once on its own");
    }
}
