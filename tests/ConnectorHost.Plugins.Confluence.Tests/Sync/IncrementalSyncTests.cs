using ConnectorHost.Fakes.Confluence;
using ConnectorHost.Plugins.Confluence.Tests.Support;

namespace ConnectorHost.Plugins.Confluence.Tests.Sync;

public sealed class IncrementalSyncTests
{
    [Test]
    public async Task ReadChanges_NothingChanged_DeliversNothingAndKeepsTheCursorCurrent()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 30, TimeSpan.FromMinutes(1));
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);
        fixture.Clock.Advance(TimeSpan.FromMinutes(20));

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Should().HaveCount(30);
        ledger.SkippedUpserts.Should().Be(0, "items the ledger holds at the same version are not even yielded again");
        ledger.Position.Should().Be(fixture.Clock.GetUtcNow(), "a completed search moves the cursor to the time it started, so lag reads zero");
        fixture.Searches.Last().Param("cql").Should().Contain("lastmodified >= \"2024-05-01 09:20\"", "the first run's cursor (09:30) minus the 10 minutes overlap");
    }

    [Test]
    public async Task ReadChanges_TwoEditsInTheCursorMinute_AreEachDeliveredExactlyOnce()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 5, TimeSpan.FromSeconds(8));
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);
        var cursorTime = ledger.Position!.Value;

        // Both edits land in the same minute as the cursor, after the run read it.
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        fixture.Site.Edit(ids[1], "<p>First edit in the cursor minute.</p>");
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        fixture.Site.Edit(ids[3], "<p>Second edit in the cursor minute.</p>");
        fixture.Clock.GetUtcNow().Minute.Should().Be(cursorTime.Minute);
        await ledger.RunAsync(harness.Connector);
        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Where(d => d.Version == "2").Select(d => d.NativeId).Should().Equal(ids[1], ids[3]);
        ledger.Deliveries.Should().HaveCount(7);
        ledger.Latest(ids[3]).Text.Should().Be("Second edit in the cursor minute.");
    }

    [Test]
    public async Task ReadChanges_EditsDuringARun_AreDeliveredAtTheirNewVersionAndNothingIsLost()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 120, TimeSpan.FromSeconds(20));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 25;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        // Between the first and the second page of the listing: one page already read, one not yet read.
        fixture.Server.OnceAfter(
            r => r.Route == FakeRoute.Search,
            () =>
            {
                fixture.Clock.Advance(TimeSpan.FromSeconds(30));
                fixture.Site.Edit(ids[3], "<p>Edited after it was read.</p>");
                fixture.Site.Edit(ids[90], "<p>Edited before it was read.</p>");
            });

        await ledger.RunAsync(harness.Connector);
        await ledger.RunAsync(harness.Connector);

        ledger.Ids.Should().BeEquivalentTo(ids);
        ledger.DeliveryCount(ids[3]).Should().Be(2, "version 1 was read before the edit and version 2 after it");
        ledger.Latest(ids[3]).Text.Should().Be("Edited after it was read.");
        ledger.DeliveryCount(ids[90]).Should().Be(1, "it was read once, at its new version");
        ledger.Latest(ids[90]).Version.Should().Be("2");
        ledger.Deliveries.Should().HaveCount(121);
    }

    [Test]
    public async Task ReadChanges_RunEndsAbruptlyMidListing_NextRunResumesWithoutLossOrRepeat()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.AddSpace("OPS");
        var ids = fixture.CreatePages("ENG", 60, TimeSpan.FromSeconds(9));
        ids.AddRange(fixture.CreatePages("OPS", 60, TimeSpan.FromSeconds(9), "Runbook"));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG", "OPS");
        options.PageSize = 20;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector, stopAfterCheckpoints: 3);
        var delivered = ledger.Deliveries.Count;
        fixture.Server.ClearRequests();
        await ledger.RunAsync(harness.Connector);

        delivered.Should().Be(60, "three checkpoints of 20 were committed before the crash");
        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(ids, "nothing is lost and nothing delivered twice");
        ledger.SkippedUpserts.Should().Be(0);
        fixture.Searches.First().Param("cql").Should().Contain(
            "lastmodified >= \"2024-05-01 08:58\"", "the second run resumes from the cursor (09:08) minus the overlap");
    }

    [Test]
    public async Task ReadChanges_CommentAdded_RedeliversThePageOnceWithTheComment()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.AddUser("acc-bob", "Bob Builder");
        var id = fixture.Site.CreatePage("ENG", "Design", "<p>The design document.</p>");
        var other = fixture.Site.CreatePage("ENG", "Other", "<p>Another document.</p>");
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.IncludeComments = true;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);

        fixture.Clock.Advance(TimeSpan.FromHours(2));
        var comment = fixture.Site.AddComment(id, "<p>Looks good to me.</p>", "acc-bob");
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        fixture.Site.AddComment(id, "<p>Agreed.</p>", replyToCommentId: comment);
        await ledger.RunAsync(harness.Connector);
        await ledger.RunAsync(harness.Connector);

        ledger.DeliveryCount(id).Should().Be(2);
        ledger.DeliveryCount(other).Should().Be(1);
        var page = ledger.Latest(id);
        page.Version.Should().StartWith("1.", "the page version is unchanged, the comment digest is new");
        page.Text.Should().Be("The design document.\n\nComments:\n- Bob Builder (2024-05-01): Looks good to me.\n  - Sync Bot (2024-05-01): Agreed.");
        fixture.Searches.Should().Contain(r => r.Param("cql")!.StartsWith("type IN (page, comment) AND", StringComparison.Ordinal));
    }

    [Test]
    public async Task ReadChanges_SettingsChangedToAddASpace_ReadsTheNewSpaceFromItsBeginning()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.AddSpace("OPS");
        var eng = fixture.CreatePages("ENG", 5, TimeSpan.FromMinutes(1));
        var ops = fixture.CreatePages("OPS", 5, TimeSpan.FromMinutes(1), "Runbook");
        var ledger = new TestLedger();
        await using (var first = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG")))
        {
            await ledger.RunAsync(first.Connector);
        }

        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await using var second = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG", "OPS"));
        await ledger.RunAsync(second.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(eng.Concat(ops));
        ledger.PruningRequested.Should().NotBeNull("a space may also have been removed");
    }

    [Test]
    public async Task ReadChanges_PageMovedInFromAnotherSpace_IsPickedUpByTheHourlyReconciliation()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.Site.AddSpace("ARCHIVE");
        var moved = fixture.Site.CreatePage("ARCHIVE", "Old decision", "<p>Decided long ago.</p>");
        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        fixture.CreatePages("ENG", 3, TimeSpan.FromMinutes(1));
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);

        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        fixture.Site.Move(moved, "ENG");
        await ledger.RunAsync(harness.Connector);
        var beforeReconciliation = ledger.DeliveryCount(moved);
        fixture.Clock.Advance(TimeSpan.FromMinutes(40));
        await ledger.RunAsync(harness.Connector);

        beforeReconciliation.Should().Be(0, "a move makes no new version, so the search does not see it");
        ledger.DeliveryCount(moved).Should().Be(1);
        ledger.Latest(moved).Metadata["space_key"].Should().Be("ENG");
    }

    [Test]
    public async Task ReadChanges_EmptyResultPageThatStillHasNext_EndsTheListing()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 40, TimeSpan.FromSeconds(30));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 20;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(ids);
        fixture.Searches.Should().HaveCount(3, "two full pages, then an empty page whose next link is not followed");
    }
}
