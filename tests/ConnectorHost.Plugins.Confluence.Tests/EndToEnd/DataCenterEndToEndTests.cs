using ConnectorHost.Fakes.Confluence;

namespace ConnectorHost.Plugins.Confluence.Tests.EndToEnd;

/// <summary>The Data Center flavour (personal access token, REST v1 only) through the real host.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DataCenterEndToEndTests
{
    [Test]
    public async Task Sync_DataCenterSiteWithEditsAndATrashedPage_HoldsEachCurrentPageOnceAtItsVersion()
    {
        await using var fixture = await ConfluenceAppliance.StartAsync(["OPS"], flavour: FakeConfluenceFlavour.DataCenter);
        var ids = fixture.CreatePages("OPS", 60, TimeSpan.FromSeconds(10), "Runbook");
        fixture.Settings["pageSize"] = 25;
        fixture.Connector["pruneInterval"] = "0s";
        fixture.WriteConfig();
        await fixture.SyncAsync();

        fixture.Clock.Advance(TimeSpan.FromMinutes(4));
        fixture.Site.Edit(ids[12], "<p>Runbook 012, rewritten for the new cluster.</p>");
        fixture.Site.Trash(ids[40]);
        await fixture.SyncAsync();

        var figures = await fixture.VerifyAgainstSiteAsync("data center");
        figures.Expected.Should().Be(59);
        figures.Forgotten.Should().Be(2, "the first version of the edited page and the trashed page");
        (await fixture.MemoriesOfAsync(ids[40])).Should().OnlyContain(m => m.IsDeleted);
        fixture.Server.Requests.Should().OnlyContain(r => r.AuthScheme == "Bearer" && r.Authorized, "a personal access token is sent as Bearer");
        fixture.Server.Requests.Should().NotContain(r => r.Route == FakeRoute.V2, "Data Center has no REST v2");
    }
}
