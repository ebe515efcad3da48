using ConnectorHost.Fakes.Confluence;
using ConnectorHost.Plugins.Confluence.Tests.Support;

namespace ConnectorHost.Plugins.Confluence.Tests.Sync;

public sealed class PruningTests
{
    [Test]
    public async Task ListNativeIds_TrashedArchivedAndMovedAwayPages_LeaveTheListingSoPruningForgetsThem()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.AddSpace("OTHER");
        var ids = fixture.CreatePages("ENG", 300, TimeSpan.FromSeconds(5));
        var post = fixture.Site.CreateBlogPost("ENG", "News", "<p>Some news for everyone.</p>");
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.ContentTypes = ["page", "blogpost"];
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);

        fixture.Site.Trash(ids[10]);
        fixture.Site.Archive(ids[20]);
        fixture.Site.Move(ids[30], "OTHER");
        fixture.Site.Trash(post);
        var pruned = await ledger.PruneAsync(harness.Listing);

        pruned.Should().BeEquivalentTo([ids[10], ids[20], ids[30], post]);
        ledger.Ids.Should().HaveCount(297);
        var listings = fixture.Server.Requests.Where(r => r.Path.EndsWith("/pages", StringComparison.Ordinal) || r.Path.EndsWith("/blogposts", StringComparison.Ordinal)).ToList();
        listings.Should().OnlyContain(r => r.Param("status") == "current", "the v2 default would list archived pages too");
        listings.Should().HaveCount(3, "300 pages at 250 per request, then one request for the blog posts");
        harness.Listing.PruneInterval.Should().Be(TimeSpan.FromHours(1));
    }

    [Test]
    public async Task ListNativeIds_ExcludedLabel_IsNotListed()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var kept = fixture.Site.CreatePage("ENG", "Kept", "<p>Kept page body.</p>");
        var labelled = fixture.Site.CreatePage("ENG", "Later excluded", "<p>Body of the page.</p>");
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.ExcludeLabels = ["obsolete"];
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);

        fixture.Site.AddLabel(labelled, "obsolete");
        var pruned = await ledger.PruneAsync(harness.Listing);

        pruned.Should().Equal(labelled);
        ledger.Ids.Should().Equal(kept);
        fixture.Server.Requests.Should().Contain(r => r.Route == FakeRoute.Search && r.Param("cql")!.Contains("label IN (\"obsolete\")", StringComparison.Ordinal));
    }
}
