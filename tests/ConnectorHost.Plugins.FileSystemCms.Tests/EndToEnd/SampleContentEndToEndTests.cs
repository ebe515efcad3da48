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

    private static readonly string[] s_eligible =
    [
        "README.md",
        "blog/2025/2025-01-20-new-year-priorities.md",
        "blog/2025/2025-03-14-migrating-to-postgres.md",
        "blog/2025/2025-05-02-quarterly-offsite.md",
        "blog/2025/2025-07-01-summer-hours.md",
        "docs/api/authentication.md",
        "docs/api/overview.md",
        "docs/api/rate-limits.md",
        "docs/api/webhooks.md",
        "handbook/engineering/code-review.md",
        "handbook/engineering/deployments.md",
        "handbook/engineering/incident-response.md",
        "handbook/engineering/on-call.md",
        "handbook/index.md",
        "handbook/office/berlin-office.html",
        "handbook/people/expenses.md",
        "handbook/people/onboarding.md",
        "handbook/people/remote-work.md",
        "handbook/people/time-off.md",
        "notes/wifi-and-printers.txt",
        "policies/acceptable-use.md",
        "policies/security/access-control.md",
        "policies/security/data-classification.md",
        "policies/security/incident-reporting.md",
        "policies/security/passwords.md",
        "policies/travel.md",
    ];

    private static readonly string[] s_expectedSkips =
    [
        "blog/2025/2025-06-10-next-quarter-roadmap.md: draft (front matter draft: true; set includeDrafts to deliver drafts)",
        "docs/api/v3-preview.md: draft (front matter draft: true; set includeDrafts to deliver drafts)",
        "notes/cafeteria-menu.txt: not valid UTF-8: byte 0xE0 at offset 39 (save the file as UTF-8)",
        "docs/api/changelog-archive.md: larger than maxFileSizeBytes (80.6 KB > 64 KB)",
        "handbook/people/benefits.md: empty file",
    ];

    private static string Samples => RepositoryPaths.SampleCms;

    [Test]
    public async Task Sync_SampleContentFirstRun_StoresEveryEligibleFileOnceAndReportsTheSkipsInJson()
    {
        await using var cms = await CreateAsync();

        var report = await cms.SyncAsync(Connector);

        report.Outcome.Should().Be("Succeeded", "skipped files never fail the run");
        report.Added.Should().Be(s_eligible.Length);
        report.Skipped.Should().Be(s_expectedSkips.Length);
        report.DeadLettered.Should().Be(0);
        report.SkipReasons.Should().BeEquivalentTo(s_expectedSkips);
        var live = await cms.ShouldHoldExactlyAsync(Connector, Samples, s_eligible);
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
        result.Output.Should().Contain($"added {s_eligible.Length} ").And.Contain($"skipped {s_expectedSkips.Length} ").And.Contain("dead-lettered 0");
        foreach (var skip in s_expectedSkips)
        {
            result.Output.Should().Contain($"  skipped {skip}");
        }

        await cms.ShouldHoldExactlyAsync(Connector, Samples, s_eligible);
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
        await cms.ShouldHoldExactlyAsync(Connector, Samples, s_eligible);
        (await cms.AllMemoriesAsync(Connector)).Should().HaveCount(s_eligible.Length, "nothing was forgotten or re-added");
    }

    [Test]
    public async Task Sync_SampleContentFullResync_ReadsEverythingAgainButSendsNothing()
    {
        await using var cms = await CreateAsync();
        await cms.SyncAsync(Connector);
        var writesAfterFirst = await cms.WriteRequestsAsync();

        var full = await cms.SyncAsync(Connector, "--full");

        full.Unchanged.Should().Be(s_eligible.Length, "every file was read again and found at its delivered version");
        full.SkipReasons.Should().BeEquivalentTo(s_expectedSkips, "skipped files are reported again when re-read");
        (full.Added, full.Updated, full.Deleted, full.Pruned).Should().Be((0, 0, 0, 0));
        (await cms.WriteRequestsAsync()).Should().Be(writesAfterFirst, "the emulator received no write");
        await cms.ShouldHoldExactlyAsync(Connector, Samples, s_eligible);
    }

    private static async Task<CmsAppliance> CreateAsync()
    {
        var cms = await CmsAppliance.CreateAsync();
        cms.AddConnector(Connector, Samples, "user-1", new JsonObject { ["maxFileSizeBytes"] = 65_536 });
        cms.Appliance.WriteConfig();
        return cms;
    }
}
