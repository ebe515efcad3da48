using ConnectorHost.Plugins.Confluence.Tests.Support;

namespace ConnectorHost.Plugins.Confluence.Tests.Sync;

public sealed class InitialSyncTests
{
    [Test]
    public async Task ReadChanges_SpaceWithSeveralHundredPages_DeliversEveryPageOnceAcrossCursorPages()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.AddSpace("OPS");
        var ids = fixture.CreatePages("ENG", 260, TimeSpan.FromSeconds(7));
        ids.AddRange(fixture.CreatePages("OPS", 40, TimeSpan.FromSeconds(13), "Runbook"));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG", "OPS");
        options.PageSize = 50;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(ids, "every page arrives exactly once");
        var searches = fixture.Searches.ToList();
        searches.Should().HaveCountGreaterThanOrEqualTo(6, "300 pages at 50 per request need several cursor pages");
        searches.Should().OnlyContain(r => !r.Has("start"), "the search is paginated by cursor only");
        searches.Should().OnlyContain(r => r.Param("limit") == "50", "the limit never changes within a listing");
        searches.Skip(1).Should().OnlyContain(r => r.Has("cursor"), "later pages follow _links.next");
        fixture.Server.Requests.Should().OnlyContain(r => r.AuthScheme == "Basic" && r.Authorized);
        searches[0].Param("cql").Should().Be("type = page AND space IN (\"ENG\", \"OPS\") ORDER BY lastmodified ASC");
    }

    [Test]
    public async Task ReadChanges_Page_CarriesTitleTextVersionAndMetadata()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG", "Engineering");
        fixture.Site.AddUser("acc-ada", "Ada Lovelace");
        var parent = fixture.Site.CreatePage("ENG", "Handbook", "<p>Root page of the handbook.</p>");
        var id = fixture.Site.CreatePage("ENG", "On call", "<h2>Rota</h2><p>Ask <ac:link><ri:user ri:account-id=\"acc-ada\" /></ac:link> first.</p>", parent, ["ops", "rota"], "acc-ada");
        fixture.Clock.Advance(TimeSpan.FromMinutes(3));
        fixture.Site.Edit(id, editorId: "acc-ada");
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector);

        var item = ledger.Latest(id);
        item.Title.Should().Be("On call");
        item.Text.Should().Be("## Rota\n\nAsk @Ada Lovelace first.");
        item.Version.Should().Be("2");
        item.Source.Should().Be("confluence");
        item.EventType.Should().Be("confluence_page");
        item.Url.Should().Be(new Uri(fixture.Server.BaseUrl + $"/spaces/ENG/pages/{id}/On+call"));
        item.LastModified.Should().Be(SiteFixture.Start.AddMinutes(3));
        item.Tags.Should().Equal("ops", "rota");
        item.Metadata.Should().Contain(new Dictionary<string, object?>
        {
            ["space_key"] = "ENG",
            ["page_id"] = id,
            ["title"] = "On call",
            ["version_number"] = 2,
            ["author"] = "Ada Lovelace",
            ["ancestors_path"] = "Handbook",
            ["web_url"] = item.Url!.AbsoluteUri,
        });
        item.Metadata["labels"].Should().BeEquivalentTo(new[] { "ops", "rota" });
        item.Metadata["last_modified"].Should().Be(SiteFixture.Start.AddMinutes(3));
    }

    [Test]
    public async Task ReadChanges_BlogPostsConfigured_DeliversThemAsBlogPosts()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var page = fixture.Site.CreatePage("ENG", "A page", "<p>Page text here.</p>");
        var post = fixture.Site.CreateBlogPost("ENG", "Release notes", "<p>We shipped it.</p>");
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.ContentTypes = ["page", "blogpost"];
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo([page, post]);
        ledger.Latest(post).EventType.Should().Be("confluence_blogpost");
        fixture.Searches.First().Param("cql").Should().StartWith("type IN (page, blogpost) AND");
    }

    [Test]
    public async Task ReadChanges_ExcludedLabel_IsNotDelivered()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var kept = fixture.Site.CreatePage("ENG", "Kept", "<p>Kept page body.</p>");
        fixture.Site.CreatePage("ENG", "Draft", "<p>Draft page body.</p>", labels: ["draft"]);
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.ExcludeLabels = ["draft"];
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().Equal(kept);
    }
}
