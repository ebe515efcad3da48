using ConnectorHost.Fakes.Confluence;
using MemorySync.Emulator.Admin;

namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>Edits, time zones and removals, synced through the real host into the MemorySync emulator.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class IncrementalSyncEndToEndTests
{
    [Test]
    public async Task Sync_EditsDuringARunAndInTheCursorMinute_AreEachDeliveredExactlyOnceAndOldVersionsForgotten()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        var ids = fixture.CreatePages("ENG", 40, TimeSpan.FromSeconds(6));
        fixture.Settings["pageSize"] = 10;
        fixture.WriteConfig();
        // During the first run, between its first and second result page: one page already read, one not yet read.
        fixture.Server.OnceAfter(
            r => r.Route == FakeRoute.Search,
            () =>
            {
                fixture.Clock.Advance(TimeSpan.FromSeconds(20));
                fixture.Site.Edit(ids[3], "<p>Page 003 edited after the run read it.</p>");
                fixture.Site.Edit(ids[35], "<p>Page 035 edited before the run read it.</p>");
            });

        await fixture.SyncAsync();
        var since = await fixture.CursorSinceAsync();
        // Two edits in the minute the cursor points into, after the run that committed it.
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        fixture.Site.Edit(ids[1], "<p>Page 001, first edit in the cursor minute.</p>");
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        fixture.Site.Edit(ids[7], "<p>Page 007, second edit in the cursor minute.</p>");
        fixture.Clock.GetUtcNow().Should().BeOnOrAfter(since);
        (fixture.Clock.GetUtcNow() - since).Should().BeLessThan(TimeSpan.FromMinutes(1));
        fixture.Clock.GetUtcNow().Minute.Should().Be(since.Minute, "both edits land in the cursor's minute");
        await fixture.SyncAsync();
        await fixture.SyncAsync();

        var figures = await fixture.VerifyAgainstSiteAsync("edits");
        figures.Expected.Should().Be(40);
        (await VersionsAsync(fixture, ids[3])).Should().BeEquivalentTo(
            [("1", true), ("2", false)], "version 1 was read before the edit, version 2 after it replaced it");
        (await VersionsAsync(fixture, ids[35])).Should().BeEquivalentTo([("2", false)], "it was read once, at its new version");
        (await VersionsAsync(fixture, ids[1])).Should().BeEquivalentTo([("1", true), ("2", false)]);
        (await VersionsAsync(fixture, ids[7])).Should().BeEquivalentTo([("1", true), ("2", false)]);
        (await fixture.MemoriesOfAsync(ids[7])).Single(m => !m.IsDeleted).Text.Should().Be("Page 007\n\nPage 007, second edit in the cursor minute.");
        var secondVersions = await fixture.Emulator.GetMemoriesAsync(new MemoryFilter { MetadataKey = "version", MetadataValue = "2" });
        secondVersions.Select(m => m.MetadataValue("native_id")).Should().BeEquivalentTo([ids[1], ids[3], ids[7], ids[35]]);
        figures.Forgotten.Should().Be(3, "the first versions of pages 003, 001 and 007 were replaced");
        var counters = await fixture.Emulator.GetCountersAsync();
        TestContext.Out.WriteLine($"[edits] items created {counters.ItemsCreated}, memories forgotten {counters.MemoriesForgotten}");
        counters.ItemsCreated.Should().Be(43, "40 first versions (page 035 at its second) and three second versions");
    }

    [TestCase("America/Los_Angeles", true)]
    [TestCase("America/Los_Angeles", false)]
    public async Task Sync_SiteTimeZoneWestOfUtc_LosesNoEdit(string zone, bool configured)
    {
        // West of UTC, a literal written in UTC but read in the site's zone points hours later: edits would be missed.
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"], TimeZoneInfo.FindSystemTimeZoneById(zone));
        var ids = fixture.CreatePages("ENG", 20, TimeSpan.FromMinutes(1));
        if (configured)
        {
            fixture.Settings["siteTimeZone"] = zone;
        }

        fixture.WriteConfig();
        await fixture.SyncAsync();
        var since = await fixture.CursorSinceAsync();
        // 47 minutes: less than the hour after which the connector reconciles against the full listing anyway.
        fixture.Clock.Advance(TimeSpan.FromMinutes(47));
        fixture.Site.Edit(ids[4], "<p>Page 004, edited in the afternoon.</p>");
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var added = fixture.Site.CreatePage("ENG", "Page 020", "<p>Body of page 020, created later.</p>");

        await fixture.SyncAsync();

        var figures = await fixture.VerifyAgainstSiteAsync($"time zone {zone}, {(configured ? "configured" : "from systemInfo")}");
        figures.Expected.Should().Be(21);
        (await VersionsAsync(fixture, ids[4])).Should().BeEquivalentTo([("1", true), ("2", false)]);
        (await VersionsAsync(fixture, added)).Should().BeEquivalentTo([("1", false)]);
        var local = TimeZoneInfo.ConvertTime(since.AddMinutes(-10), TimeZoneInfo.FindSystemTimeZoneById(zone));
        fixture.Searches.Last().Param("cql").Should().Contain(
            $"lastmodified >= \"{local:yyyy-MM-dd HH:mm}\"", "the cursor minus the overlap is written in the site's time zone");
    }

    [Test]
    public async Task Sync_PagesTrashedAndArchived_AreForgottenByPruningThroughTheV2Listing()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["ENG"]);
        var ids = fixture.CreatePages("ENG", 30, TimeSpan.FromSeconds(10));
        fixture.Connector["pruneInterval"] = "0s";
        fixture.WriteConfig();
        await fixture.SyncAsync();

        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        fixture.Site.Trash(ids[2]);
        fixture.Site.Archive(ids[17]);
        fixture.Site.Edit(ids[20], "<p>Page 020, edited while others went away.</p>");
        fixture.Server.ClearRequests();
        var result = await fixture.SyncAsync();

        var figures = await fixture.VerifyAgainstSiteAsync("trashed and archived");
        figures.Expected.Should().Be(28);
        (await VersionsAsync(fixture, ids[2])).Should().BeEquivalentTo([("1", true)], "the trashed page was forgotten");
        (await VersionsAsync(fixture, ids[17])).Should().BeEquivalentTo([("1", true)], "the archived page was forgotten");
        (await VersionsAsync(fixture, ids[20])).Should().BeEquivalentTo([("1", true), ("2", false)]);
        result.Output.Should().Contain("pruned 2");
        fixture.Server.Requests.Should().Contain(
            r => r.Route == FakeRoute.V2 && r.Path.EndsWith("/pages", StringComparison.Ordinal) && r.Param("status") == "current",
            "the pruning listing is v2's status=current listing of the space");
    }

    private static async Task<List<(string? Version, bool Forgotten)>> VersionsAsync(ConfluenceAppliance fixture, string pageId) =>
        [.. (await fixture.MemoriesOfAsync(pageId)).Select(m => (m.MetadataValue("version"), m.IsDeleted))];
}
