using ConnectorHost.Abstractions;
using ConnectorHost.Fakes.Confluence;
using ConnectorHost.Plugins.Confluence.Tests.Support;

namespace ConnectorHost.Plugins.Confluence.Tests.Sync;

public sealed class FailureTests
{
    [Test]
    public async Task ReadChanges_RateLimitStorm_WaitsTheRetryAfterAndLosesNothing()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 60, TimeSpan.FromSeconds(20));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 20;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        fixture.Server.OnceAfter(
            r => r.Route == FakeRoute.Search && r.StatusCode == 200,
            () =>
            {
                fixture.Server.Faults.RateLimit(4, TimeSpan.FromSeconds(7), FakeRoute.Search);
                fixture.Server.Faults.Unavailable(2, TimeSpan.FromSeconds(3), FakeRoute.Search);
            });

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(ids);
        fixture.Searches.Count(r => r.StatusCode == 429).Should().Be(4);
        fixture.Searches.Count(r => r.StatusCode == 503).Should().Be(2);
        var waits = harness.Time.Waits;
        waits.Count(w => w >= TimeSpan.FromSeconds(7) && w <= TimeSpan.FromSeconds(9)).Should().Be(4, "each 429 is waited out, with a little jitter");
        waits.Count(w => w >= TimeSpan.FromSeconds(3) && w < TimeSpan.FromSeconds(7)).Should().Be(2, "each 503 is waited out too");
    }

    [Test]
    public async Task ReadChanges_RetryAfterLongerThanAllowed_EndsTheRunAsRateLimitedWithTheCursorKept()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 30, TimeSpan.FromSeconds(20));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 10;
        options.MaxRetryAfterSeconds = 60;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        fixture.Server.OnceAfter(r => r.Route == FakeRoute.Search, () => fixture.Server.Faults.RateLimit(1, TimeSpan.FromMinutes(10), FakeRoute.Search));

        var run = () => ledger.RunAsync(harness.Connector);

        var failure = (await run.Should().ThrowAsync<ConnectorException>()).Which;
        failure.Kind.Should().Be(ConnectorErrorKind.RateLimited);
        failure.RetryAfter.Should().Be(TimeSpan.FromMinutes(10));
        ledger.Deliveries.Should().HaveCount(10, "the first page was delivered and checkpointed");
        ledger.Cursor.Should().NotBeNull();
        await ledger.RunAsync(harness.Connector);
        ledger.Deliveries.Should().HaveCount(30);
    }

    [Test]
    public async Task ReadChanges_ServerErrorsOnLargePages_HalvesThePageSizeAndLosesNothing()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 100, TimeSpan.FromSeconds(20));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 80;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        fixture.Server.Faults.FailSearchesAboveLimit(20, 504);

        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(ids);
        var limits = fixture.Searches.Select(r => r.Param("limit")).ToList();
        limits.Take(3).Should().Equal("80", "40", "20");
        limits.Skip(2).Should().OnlyContain(l => l == "20", "once halved, the smaller size holds for the rest of the run");
        fixture.Searches.Where(r => r.Has("cursor")).Should().OnlyContain(r => r.StatusCode == 200, "a cursor is never replayed with another limit");
        harness.Time.Waits.Should().HaveCountGreaterThanOrEqualTo(2, "each failure is followed by a back-off");
    }

    [Test]
    public async Task ReadChanges_ServerKeepsFailing_EndsTheRunAsUnavailable()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 3, TimeSpan.FromSeconds(20));
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));
        fixture.Server.Faults.ServerError(50, 500, FakeRoute.Search);

        var run = () => new TestLedger().RunAsync(harness.Connector);

        (await run.Should().ThrowAsync<ConnectorException>()).Which.Kind.Should().Be(ConnectorErrorKind.Unavailable);
    }

    [Test]
    public async Task ReadChanges_BadCredentials_FailsClearlyWithoutMovingTheCursorOrLeakingTheToken()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 5, TimeSpan.FromSeconds(20));
        var ledger = new TestLedger();
        await using (var good = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG")))
        {
            await ledger.RunAsync(good.Connector);
        }

        var cursor = ledger.Cursor;
        fixture.Site.Edit(ids[0], "<p>Changed meanwhile.</p>");
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.ApiToken = "wrong-token-SECRET-42";
        await using var bad = ConnectorHarness.Create(options);

        var run = () => ledger.RunAsync(bad.Connector);

        var failure = (await run.Should().ThrowAsync<ConnectorException>()).Which;
        failure.Kind.Should().Be(ConnectorErrorKind.Authentication);
        failure.Message.Should().StartWith($"Confluence rejected the credentials for {fixture.Server.BaseUrl}");
        failure.Message.Should().NotContain("SECRET");
        bad.Logs.Messages.Should().NotContain(m => m.Contains("SECRET", StringComparison.Ordinal));
        ledger.Cursor.Should().Be(cursor);
        ledger.Deliveries.Should().HaveCount(5, "nothing was half-delivered");
        fixture.Server.Requests.Should().Contain(r => r.StatusCode == 401);
    }

    [Test]
    public async Task ReadChanges_UnknownSpace_FailsWithNotFound()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG", "NOPE"));

        var run = () => new TestLedger().RunAsync(harness.Connector);

        var failure = (await run.Should().ThrowAsync<ConnectorException>()).Which;
        failure.Kind.Should().Be(ConnectorErrorKind.NotFound);
        failure.Message.Should().StartWith("Confluence space 'NOPE' not found or no permission");
    }

    [Test]
    public async Task CheckConnection_GoodAndBadCredentials_PassesAndFails()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        await using var good = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.Email = "someone@example.com";
        await using var bad = ConnectorHarness.Create(options);

        await good.ConnectionCheck.CheckConnectionAsync(CancellationToken.None);
        var check = () => bad.ConnectionCheck.CheckConnectionAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<ConnectorException>()).Which.Kind.Should().Be(ConnectorErrorKind.Authentication);
    }

    [Test]
    public async Task ReadChanges_DataCenterWithBearerToken_Syncs()
    {
        await using var fixture = await SiteFixture.StartAsync(flavour: FakeConfluenceFlavour.DataCenter);
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 30, TimeSpan.FromSeconds(20));
        fixture.Site.AddComment(ids[0], "<p>A Data Center comment.</p>");
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 10;
        options.IncludeComments = true;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();

        await ledger.RunAsync(harness.Connector);
        fixture.Site.Trash(ids[1]);
        var pruned = await ledger.PruneAsync(harness.Listing);

        ledger.Deliveries.Select(d => d.NativeId).Should().BeEquivalentTo(ids);
        ledger.Latest(ids[0]).Text.Should().EndWith("Comments:\n- Sync Bot (2024-05-01): A Data Center comment.");
        ledger.Latest(ids[0]).Url.Should().Be(new Uri(fixture.Server.BaseUrl + $"/pages/viewpage.action?pageId={ids[0]}"));
        fixture.Server.Requests.Should().OnlyContain(r => r.AuthScheme == "Bearer" && r.Authorized);
        fixture.Server.Requests.Should().NotContain(r => r.Path.Contains("/api/v2/", StringComparison.Ordinal));
        pruned.Should().Equal(ids[1]);
    }

    [Test]
    public async Task ReadChanges_DataCenterAnsweringAWrongTokenAsAnonymous_FailsInsteadOfReadingNothing()
    {
        await using var fixture = await SiteFixture.StartAsync(flavour: FakeConfluenceFlavour.DataCenter, anonymousOnBadToken: true);
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 3, TimeSpan.FromSeconds(20));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.ApiToken = "expired-token";
        await using var harness = ConnectorHarness.Create(options);

        var list = async () =>
        {
            await foreach (var id in harness.Listing.ListNativeIdsAsync(CancellationToken.None))
            {
                _ = id;
            }
        };

        (await list.Should().ThrowAsync<ConnectorException>()).Which.Kind.Should().Be(ConnectorErrorKind.Authentication);
    }

    [Test]
    public async Task ReadChanges_Cancelled_StopsWithOperationCanceled()
    {
        await using var fixture = await SiteFixture.StartAsync();
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 50, TimeSpan.FromSeconds(20));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.PageSize = 10;
        await using var harness = ConnectorHarness.Create(options);
        using var cancellation = new CancellationTokenSource();
        fixture.Server.OnceAfter(r => r.Route == FakeRoute.Search, cancellation.Cancel);
        var ledger = new TestLedger();

        var run = () => ledger.RunAsync(harness.Connector, cancellationToken: cancellation.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        fixture.Searches.Should().HaveCountLessThan(3, "no further page is requested once the run is cancelled");
    }
}
