using System.Text;
using System.Text.Json.Nodes;
using ConnectorHost.Testing;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// Files the connector must not deliver (drafts, oversize, binary, badly encoded, empty, broken front matter), synced
/// through the real host among good ones: each is reported with its reason, none fails the run or reaches MemorySync,
/// and a page that was published and then becomes one of them is forgotten.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SkippedFilesEndToEndTests
{
    private const string Connector = "site";
    private const int MaxFileSizeBytes = 2048;

    private const string PublishedPage =
        "---\ntitle: Parking\ntags: [office]\n---\n\nBikes go in the courtyard; the two car spaces are for deliveries only.\n";

    [Test]
    public async Task Sync_BadFilesAmongGoodOnes_ReportsAndSkipsEachWithoutFailingTheRun()
    {
        await using var cms = await CmsAppliance.CreateAsync();
        var content = cms.AddConnector(Connector, settings: new JsonObject { ["maxFileSizeBytes"] = MaxFileSizeBytes });
        content.Write("good/plain.md", "# Plain page\n\nA normal page that is stored as one memory.\n");
        content.Write("good/utf8-bom.md", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("# With a BOM\n\nSaved by an editor that writes a byte order mark.\n")]);
        content.Write("good/utf16.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("Notes saved in UTF-16 with a byte order mark, read as text.")]);
        content.Write("bad/draft.md", "---\ntitle: Next year\ndraft: true\n---\n\nNot ready to publish: the plans for next year.\n");
        content.Write("bad/oversize.md", "# Too long\n\n" + string.Concat(Enumerable.Repeat("A line of a very long page. ", 100)));
        content.Write("bad/binary.txt", [.. Encoding.UTF8.GetBytes("looks like text until "), 0, 1, 2, 3, .. Encoding.UTF8.GetBytes(" a NUL byte")]);
        content.Write("bad/latin1.md", Encoding.Latin1.GetBytes("# Café\n\nThe café menu of the week, saved as Latin-1 by an old editor.\n"));
        content.Write("bad/empty.md", "");
        content.Write("bad/broken-front-matter.md", "---\ntitle: [unclosed\n---\n\nA page whose front matter does not parse.\n");
        cms.Appliance.WriteConfig();

        var result = await cms.Appliance.RunCliAsync("sync", Connector, "--json");

        result.ExitCode.Should().Be(0, "bad input never fails the run: " + result);
        var report = SyncReport.Parse(result);
        report.Outcome.Should().Be("Succeeded");
        (report.Added, report.Skipped, report.DeadLettered).Should().Be((3, 6, 0));
        var reasons = report.SkipReasons.ToDictionary(r => r[..r.IndexOf(':', StringComparison.Ordinal)], r => r[(r.IndexOf(':', StringComparison.Ordinal) + 2)..]);
        reasons.Keys.Should().BeEquivalentTo(["bad/draft.md", "bad/oversize.md", "bad/binary.txt", "bad/latin1.md", "bad/empty.md", "bad/broken-front-matter.md"]);
        reasons["bad/draft.md"].Should().StartWith("draft (front matter draft: true");
        reasons["bad/oversize.md"].Should().StartWith("larger than maxFileSizeBytes (").And.EndWith("> 2 KB)");
        reasons["bad/binary.txt"].Should().Be("binary content: NUL byte at offset 22");
        reasons["bad/latin1.md"].Should().StartWith("not valid UTF-8: byte 0xE9 at offset 5");
        reasons["bad/empty.md"].Should().Be("empty file");
        reasons["bad/broken-front-matter.md"].Should().StartWith("invalid YAML front matter at line ");
        await cms.ShouldHoldExactlyAsync(Connector, content.Path, ["good/plain.md", "good/utf8-bom.md", "good/utf16.txt"]);
        (await cms.SingleLiveAsync(Connector, "good/utf16.txt")).Text.Should().Contain("Notes saved in UTF-16 with a byte order mark, read as text.");
        (await cms.AllMemoriesAsync(Connector)).Should().HaveCount(3, "no skipped file was ever stored");

        var second = await cms.SyncAsync(Connector);
        (second.Read, second.Skipped, second.Added).Should().Be((0, 0, 0), "skipped files are not read again until they change");
    }

    [TestCase("draft", TestName = "Sync_PublishedPageBecomesADraft_ForgetsItsMemory")]
    [TestCase("oversize", TestName = "Sync_PublishedPageGrowsPastMaxFileSize_ForgetsItsMemory")]
    [TestCase("latin1", TestName = "Sync_PublishedPageSavedInLatin1_ForgetsItsMemory")]
    public async Task Sync_PublishedPageBecomesIneligible_ForgetsItsMemory(string change)
    {
        await using var cms = await CmsAppliance.CreateAsync();
        var content = cms.AddConnector(Connector, settings: new JsonObject { ["maxFileSizeBytes"] = MaxFileSizeBytes });
        content.Write("office/parking.md", PublishedPage);
        content.Write("office/kitchen.md", "# Kitchen\n\nThe dishwasher runs at six; please empty it in the morning.\n");
        cms.Appliance.WriteConfig();
        await cms.SyncAsync(Connector);
        var published = await cms.SingleLiveAsync(Connector, "office/parking.md");

        switch (change)
        {
            case "draft":
                content.Write("office/parking.md", PublishedPage.Replace("tags: [office]", "tags: [office]\ndraft: true", StringComparison.Ordinal));
                break;
            case "oversize":
                content.Write("office/parking.md", PublishedPage + string.Concat(Enumerable.Repeat("More rules about parking. ", 100)));
                break;
            default:
                content.Write("office/parking.md", Encoding.Latin1.GetBytes(PublishedPage.Replace("deliveries", "livraisons à vélo", StringComparison.Ordinal)));
                break;
        }

        var report = await cms.SyncAsync(Connector);

        report.Outcome.Should().Be("Succeeded");
        report.Skipped.Should().Be(1);
        report.SkipReasons.Should().ContainSingle().Which.Should().StartWith("office/parking.md: ");
        (await cms.Admin.GetMemoryAsync(published.Id))!.IsDeleted.Should().BeTrue("MemorySync never keeps content the source no longer offers");
        await cms.ShouldHoldExactlyAsync(Connector, content.Path, ["office/kitchen.md"]);
    }

    [Test]
    public async Task Sync_DraftPublishedLater_IsDeliveredOnceItIsPublished()
    {
        await using var cms = await CmsAppliance.CreateAsync();
        var content = cms.AddConnector(Connector);
        content.Write("office/parking.md", PublishedPage.Replace("tags: [office]", "tags: [office]\ndraft: true", StringComparison.Ordinal));
        cms.Appliance.WriteConfig();
        (await cms.SyncAsync(Connector)).Skipped.Should().Be(1);
        (await cms.AllMemoriesAsync(Connector)).Should().BeEmpty("a draft never reaches MemorySync");

        content.Write("office/parking.md", PublishedPage);
        var report = await cms.SyncAsync(Connector);

        report.Added.Should().Be(1);
        await cms.ShouldHoldExactlyAsync(Connector, content.Path, ["office/parking.md"]);
    }
}
