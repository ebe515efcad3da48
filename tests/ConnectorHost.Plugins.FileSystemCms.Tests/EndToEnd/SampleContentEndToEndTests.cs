using System.Text.Json.Nodes;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// samples/cms (the demo's content) synced through the real host: the plugin folder loaded by the loader, settings
/// from plugins.json, the delivery pipeline and the MemorySync client, with the emulator holding the result.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SampleContentEndToEndTests
{
    private const string Connector = "handbook";

    private static string Samples => RepositoryPaths.SampleCms;

    [Test]
    public async Task Sync_SampleContentFirstRun_StoresEveryEligibleFileOnceAndReportsTheSkipsInJson()
    {
        await using var cms = await CreateAsync();

        var report = await cms.SyncAsync(Connector);

        report.Outcome.Should().Be("Succeeded", "skipped files never fail the run");
        report.Added.Should().Be(SampleCms.Eligible.Length);
        report.Skipped.Should().Be(SampleCms.Skips.Length);
        report.DeadLettered.Should().Be(0);
        report.SkipReasons.Should().BeEquivalentTo(SampleCms.Skips);
        var live = await cms.ShouldHoldExactlyAsync(Connector, Samples, SampleCms.Eligible);
        (await cms.AllMemoriesAsync(Connector)).Should().HaveCount(live.Count, "nothing was stored and forgotten on the way");
        var onCall = await cms.SingleLiveAsync(Connector, "handbook/engineering/on-call.md");
        onCall.Text.Should().Contain("A shift lasts one week and changes every Monday at 10:00 Berlin time.");
        onCall.Tags.Should().Contain(["on-call", "incidents", "engineering"]);
        onCall.MetadataValue("title").Should().Be("On-call");
        onCall.MetadataValue("owner").Should().Be("Platform team");
        onCall.EventType.Should().Be("cms_document");
    }

    [Test]
    public async Task Sync_SampleContentFirstRunAsText_ExitsZeroAndPrintsTheCountsAndEverySkipReason()
    {
        await using var cms = await CreateAsync();

        var result = await cms.Appliance.RunCliAsync("sync", Connector);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Output.Should().Contain($"Run ").And.Contain($"of {Connector}: Succeeded");
        result.Output.Should().Contain($"added {SampleCms.Eligible.Length} ").And.Contain($"skipped {SampleCms.Skips.Length} ").And.Contain("dead-lettered 0");
        foreach (var skip in SampleCms.Skips)
        {
            result.Output.Should().Contain($"  skipped {skip}");
        }

        await cms.ShouldHoldExactlyAsync(Connector, Samples, SampleCms.Eligible);
    }

    [Test]
    public async Task Sync_SampleContentSecondRunWithoutChange_ReadsAndSendsNothing()
    {
        await using var cms = await CreateAsync();
        await cms.SyncAsync(Connector);
        var writesAfterFirst = await cms.WriteRequestsAsync();

        var second = await cms.SyncAsync(Connector);

        second.Outcome.Should().Be("Succeeded");
        (second.Added, second.Updated, second.Deleted, second.Pruned, second.Read).Should().Be((0, 0, 0, 0, 0), "no file changed");
        (await cms.WriteRequestsAsync()).Should().Be(writesAfterFirst, "the emulator received no write");
        TestContext.Out.WriteLine($"  writes after first run {writesAfterFirst}, after second {await cms.WriteRequestsAsync()}");
        await cms.ShouldHoldExactlyAsync(Connector, Samples, SampleCms.Eligible);
        (await cms.AllMemoriesAsync(Connector)).Should().HaveCount(SampleCms.Eligible.Length, "nothing was forgotten or re-added");
    }

    [Test]
    public async Task Sync_SampleContentFullResync_ReadsEverythingAgainButSendsNothing()
    {
        await using var cms = await CreateAsync();
        await cms.SyncAsync(Connector);
        var writesAfterFirst = await cms.WriteRequestsAsync();

        var full = await cms.SyncAsync(Connector, "--full");

        full.Unchanged.Should().Be(SampleCms.Eligible.Length, "every file was read again and found at its delivered version");
        full.SkipReasons.Should().BeEquivalentTo(SampleCms.Skips, "skipped files are reported again when re-read");
        (full.Added, full.Updated, full.Deleted, full.Pruned).Should().Be((0, 0, 0, 0));
        (await cms.WriteRequestsAsync()).Should().Be(writesAfterFirst, "the emulator received no write");
        await cms.ShouldHoldExactlyAsync(Connector, Samples, SampleCms.Eligible);
    }

    private static async Task<CmsAppliance> CreateAsync()
    {
        var cms = await CmsAppliance.CreateAsync();
        cms.AddConnector(Connector, Samples, "user-1", new JsonObject { ["maxFileSizeBytes"] = SampleCms.MaxFileSizeBytes });
        cms.Appliance.WriteConfig();
        return cms;
    }
}
