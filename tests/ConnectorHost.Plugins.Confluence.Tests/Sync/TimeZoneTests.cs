using ConnectorHost.Plugins.Confluence.Sync;
using ConnectorHost.Plugins.Confluence.Tests.Support;

namespace ConnectorHost.Plugins.Confluence.Tests.Sync;

public sealed class TimeZoneTests
{
    [TestCase("Australia/Brisbane", true)]
    [TestCase("America/Bogota", true)]
    [TestCase("Pacific/Chatham", false)]
    [TestCase("America/Los_Angeles", false)]
    public async Task ReadChanges_SiteTimeZoneOtherThanUtc_LosesNoEdit(string zone, bool configured)
    {
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
        await using var fixture = await SiteFixture.StartAsync(timeZone);
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 10, TimeSpan.FromMinutes(1));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.SiteTimeZone = configured ? zone : null;
        options.OverlapMinutes = 0;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);

        fixture.Clock.Advance(TimeSpan.FromSeconds(20));
        fixture.Site.Edit(ids[4], "<p>Edited just after the run.</p>");
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        fixture.Site.Edit(ids[7], "<p>Edited two minutes later.</p>");
        await ledger.RunAsync(harness.Connector);

        ledger.Deliveries.Where(d => d.Version == "2").Select(d => d.NativeId).Should().Equal(ids[4], ids[7]);
        var local = TimeZoneInfo.ConvertTime(SiteFixture.Start.AddMinutes(10), timeZone);
        fixture.Searches.Should().Contain(
            r => r.Param("cql")!.Contains($"lastmodified >= \"{local:yyyy-MM-dd HH:mm}\"", StringComparison.Ordinal),
            "the literal is the cursor in the site's local time");
    }

    [Test]
    public async Task ReadChanges_SiteDoesNotTellItsTimeZone_FallsBackToUtcWithAWarning()
    {
        await using var fixture = await SiteFixture.StartAsync(reportsTimeZone: false);
        fixture.Site.AddSpace("ENG");
        fixture.CreatePages("ENG", 2, TimeSpan.FromMinutes(1));
        await using var harness = ConnectorHarness.Create(ConnectorHarness.OptionsFor(fixture.Server, "ENG"));

        await new TestLedger().RunAsync(harness.Connector);

        harness.Logs.Messages.Should().Contain(m => m.StartsWith("Warning:", StringComparison.Ordinal) && m.Contains("siteTimeZone", StringComparison.Ordinal));
    }

    [Test]
    public async Task ReadChanges_CursorInTheHourRepeatedWhenClocksGoBack_LosesNoEdit()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // 05:20 UTC on 3 November 2024 is 01:20 EDT; the fake reads an ambiguous 01:xx as EST, an hour later.
        await using var fixture = await SiteFixture.StartAsync(newYork, start: new DateTimeOffset(2024, 11, 3, 5, 20, 0, TimeSpan.Zero));
        fixture.Site.AddSpace("ENG");
        var ids = fixture.CreatePages("ENG", 3, TimeSpan.FromMinutes(1));
        var options = ConnectorHarness.OptionsFor(fixture.Server, "ENG");
        options.OverlapMinutes = 0;
        await using var harness = ConnectorHarness.Create(options);
        var ledger = new TestLedger();
        await ledger.RunAsync(harness.Connector);

        fixture.Clock.Advance(TimeSpan.FromMinutes(10));
        fixture.Site.Edit(ids[0], "<p>Edited at 01:33 EDT.</p>");
        await ledger.RunAsync(harness.Connector);

        ledger.Latest(ids[0]).Version.Should().Be("2");
    }

    [Test]
    public void Literal_AmbiguousLocalTimeWhenClocksGoBack_StartsAnHourEarlier()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // 05:30 UTC on 3 November 2024 is 01:30 EDT; 01:30 happens again at 06:30 UTC (EST).
        var instant = new DateTimeOffset(2024, 11, 3, 5, 30, 0, TimeSpan.Zero);

        Cql.Literal(instant, newYork).Should().Be("2024-11-03 00:30");
        Cql.Literal(instant.AddHours(3), newYork).Should().Be("2024-11-03 03:30");
    }

    [Test]
    public void Quote_ValueWithQuotesAndBackslashes_IsEscaped() =>
        Cql.Quote("a\"b\\c").Should().Be("\"a\\\"b\\\\c\"");
}
