using ConnectorHost.Plugins.FileSystemCms.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// The appliance as a running service (<c>connector-host run</c>) with a scheduled FileSystemCms connector: it
/// delivers the folder, then picks up an edit, an addition and a deletion on its own.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ServiceEndToEndTests
{
    private const string Connector = "handbook";
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Run_ScheduledConnector_PicksUpChangesOnItsOwn()
    {
        await using var cms = await CmsAppliance.CreateAsync();
        var content = cms.AddConnector(Connector, schedule: "* * * * * ?");
        var pages = Enumerable.Range(1, 10).Select(i => $"pages/page-{i:D2}.md").ToList();
        foreach (var page in pages)
        {
            content.Write(page, $"# {page}\n\nThe first version of {page}, delivered by the scheduled service.\n");
        }

        cms.Appliance.WriteConfig();
        await using var service = await cms.Appliance.StartServiceAsync();

        await WaitUntilHoldsAsync(cms, content, pages, "the first scheduled run delivered the folder");

        // Saved as editors do (write aside, then rename over), so a run never reads a half-written file.
        SaveAtomically(content, "pages/page-01.md", "# page-01\n\nThe second version of page one, edited while the service runs.\n");
        SaveAtomically(content, "pages/page-11.md", "# page-11\n\nA page added while the service runs.\n");
        content.Delete("pages/page-02.md");
        string[] now = [.. pages.Except(["pages/page-02.md"]), "pages/page-11.md"];
        await WaitUntilHoldsAsync(cms, content, now, "a later scheduled run picked up the edit, the addition and the deletion");

        var stopped = await service.StopAsync();

        stopped.ExitCode.Should().Be(0, stopped.ToString());
        await cms.ShouldHoldExactlyAsync(Connector, content.Path, now);
        var all = await cms.AllMemoriesAsync(Connector);
        TestContext.Out.WriteLine($"  memories stored in all {all.Count} · forgotten {all.Count(m => m.IsDeleted)}");
        all.Where(m => m.IsDeleted).Select(m => m.MetadataValue("native_id")).Should().BeEquivalentTo(
            ["pages/page-01.md", "pages/page-02.md"], "only the edited page's old version and the deleted page were forgotten");
        all.Should().HaveCount(pages.Count + 2, "the later runs stored the edit and the new page, nothing else");
    }

    private static void SaveAtomically(TempFolder content, string path, string text)
    {
        var aside = content.Write(path + ".saving", text);
        File.Move(aside, content.PathOf(path), overwrite: true);
    }

    private static async Task WaitUntilHoldsAsync(CmsAppliance cms, TempFolder content, IReadOnlyCollection<string> expected, string because)
    {
        var versions = expected.ToDictionary(p => p, p => CmsAppliance.VersionOf(content.Path, p), StringComparer.Ordinal);
        await Eventually.TrueAsync(
            async () =>
            {
                var live = await cms.LiveMemoriesAsync(Connector);
                return live.Count == versions.Count
                    && live.All(m => versions.TryGetValue(m.MetadataValue("native_id")!, out var version) && version == m.MetadataValue("version"));
            },
            because,
            s_patience);
    }
}
