using MemorySync.Emulator.Admin;

namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>
/// The Confluence plugin through the real host: loaded from its folder, configured by plugins.json, delivering through
/// the outbox, ledger and checkpoints to the MemorySync emulator.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class InitialSyncEndToEndTests
{
    [Test]
    public async Task Sync_SpaceOfThreeHundredPagesAcrossSeveralCursorPages_HoldsExactlyOneLiveMemoryPerPage()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        var ids = fixture.CreatePages("ENG", 300, TimeSpan.FromSeconds(7));
        fixture.Settings["pageSize"] = 50;
        fixture.WriteConfig();

        var result = await fixture.SyncAsync();

        var figures = await fixture.VerifyAgainstSiteAsync("initial sync");
        figures.Expected.Should().Be(300);
        var pagesFollowed = fixture.Searches.Count(r => r.Has("cursor"));
        TestContext.Out.WriteLine($"[initial sync] search requests {fixture.Searches.Count()}, of which followed through _links.next {pagesFollowed}");
        pagesFollowed.Should().BeGreaterThanOrEqualTo(5, "300 pages at 50 a page take six result pages");
        result.Output.Should().Contain("added 300");
        var counters = await fixture.Emulator.GetCountersAsync();
        counters.ItemsCreated.Should().Be(300, "each page was stored once, and nothing was forgotten");
        counters.MemoriesForgotten.Should().Be(0);

        var page = (await fixture.MemoriesOfAsync(ids[42])).Should().ContainSingle().Subject;
        page.Text.Should().Be("Page 042\n\nBody of page 042 in ENG, long enough.");
        page.MetadataValue("connector").Should().Be(ConfluenceAppliance.ConnectorName);
        page.MetadataValue("version").Should().Be("1");
        page.MetadataValue("space_key").Should().Be("ENG");
        page.MetadataValue("page_id").Should().Be(ids[42]);
        page.MetadataValue("title").Should().Be("Page 042");
        page.MetadataValue("web_url").Should().StartWith(fixture.Server.BaseUrl.AbsoluteUri).And.Contain(ids[42]);
        (await fixture.Emulator.GetMemoriesAsync(new MemoryFilter { Source = "confluence" })).Should().HaveCount(300);
    }
}
