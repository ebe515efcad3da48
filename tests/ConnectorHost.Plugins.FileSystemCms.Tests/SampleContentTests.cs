using ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;

namespace ConnectorHost.Plugins.FileSystemCms.Tests;

/// <summary>The sample content the demo syncs, with the demo's settings (<c>maxFileSizeBytes: 65536</c>).</summary>
public sealed class SampleContentTests
{
    [Test]
    public async Task ReadChanges_SampleContent_YieldsExactlyTheExpectedUpsertsAndSkips()
    {
        await using var cms = CmsHarness.Create(RepositoryPaths.SampleCms, options => options.MaxFileSizeBytes = SampleCms.MaxFileSizeBytes);

        var report = await cms.RunAsync();

        report.DeliveredIds.Should().BeEquivalentTo(SampleCms.Eligible);
        report.Skipped.Select(skip => $"{skip.NativeId}: {skip.Reason}").Should().BeEquivalentTo(SampleCms.Skips);
        report.Listed.Should().Be(31);
        report.Delivered.Should().OnlyContain(item => item.Title!.Length > 0 && item.Text.Length > 200);
    }

    [Test]
    public async Task ReadChanges_SampleHtmlPage_DropsNavigationAndScriptsAndKeepsTheContent()
    {
        await using var cms = CmsHarness.Create(RepositoryPaths.SampleCms);

        var page = (await cms.RunAsync()).Delivered.Single(item => item.NativeId == "handbook/office/berlin-office.html");

        page.Title.Should().Be("Berlin office");
        page.Tags.Should().Equal("office", "Berlin", "facilities");
        page.Text.Should().StartWith("Our Berlin office is on the third floor of Lohmühlenstraße 65 in Treptow");
        page.Text.Should().Contain("Getting in\n\nOn your first day, ask for Kerstin");
        page.Text.Should().Contain("- Desks are not assigned.");
        page.Text.Should().Contain("Wi-Fi | larkspur-staff (password on the kitchen board)");
        page.Text.Should().NotContainAny("dataLayer", "Larkspur handbook", "API docs", "Related pages", "Imprint", "JavaScript", "floorplan");
    }

    [Test]
    public async Task ReadChanges_SampleMarkdownPage_MapsFrontMatter()
    {
        await using var cms = CmsHarness.Create(RepositoryPaths.SampleCms);

        var page = (await cms.RunAsync()).Delivered.Single(item => item.NativeId == "handbook/engineering/on-call.md");

        page.Title.Should().Be("On-call");
        page.Tags.Should().Equal("on-call", "incidents", "engineering");
        page.Metadata.Should().Contain("owner", "Platform team").And.Contain("review_interval_days", 180L).And.Contain("date", "2025-02-11");
        page.Text.Should().StartWith("Larkspur runs a follow-the-sun on-call rotation");
        page.Text.Should().Contain("A shift lasts one week and changes every Monday at 10:00 Berlin time.");
        page.Text.Should().Contain("Severity | Example | Acknowledge within | Update customers every\nP1 | Route plans");
    }

    [Test]
    public async Task ReadChanges_SampleContentSecondRun_ReadsNothing()
    {
        await using var cms = CmsHarness.Create(RepositoryPaths.SampleCms, options => options.MaxFileSizeBytes = 65_536);
        await cms.RunAsync();

        var second = await cms.RunAsync();

        second.Yielded.Should().Be(0);
        cms.Reader.Reads.Should().BeEmpty();
    }
}
