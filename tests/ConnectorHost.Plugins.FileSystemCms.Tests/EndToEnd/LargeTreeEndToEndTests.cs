namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>
/// 10,000 generated files through the real pipeline: every one reaches MemorySync exactly once, and a second run
/// reads and sends nothing. Bounded memory and speed are measured by the benchmarks, not asserted here.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class LargeTreeEndToEndTests
{
    private const string Connector = "big-site";
    private const int Folders = 100;
    private const int FilesPerFolder = 100;

    [Test]
    public async Task Sync_TenThousandFiles_StoresEachExactlyOnceAndTheSecondRunSendsNothing()
    {
        await using var cms = await CmsAppliance.CreateAsync();
        var content = cms.AddConnector(Connector);
        var expected = new List<string>(Folders * FilesPerFolder);
        for (var folder = 0; folder < Folders; folder++)
        {
            for (var file = 0; file < FilesPerFolder; file++)
            {
                var path = $"section-{folder:D3}/page-{file:D3}.md";
                content.Write(path, $"---\ntitle: Page {folder}.{file}\ntags: [generated]\n---\n\nGenerated content of page {file} in section {folder}.\n");
                expected.Add(path);
            }
        }

        cms.Appliance.WriteConfig();

        var first = await cms.SyncAsync(Connector);

        first.Outcome.Should().Be("Succeeded");
        (first.Read, first.Added, first.Skipped, first.DeadLettered).Should().Be((expected.Count, expected.Count, 0, 0));
        await cms.ShouldHoldExactlyAsync(Connector, content.Path, expected);
        var counters = await cms.Admin.GetCountersAsync();
        counters.ItemsCreated.Should().Be(expected.Count, "nothing was sent twice");
        var writesAfterFirst = await cms.WriteRequestsAsync();
        TestContext.Out.WriteLine($"  first run: {counters.ItemsCreated} items created in {writesAfterFirst} write requests");

        var second = await cms.SyncAsync(Connector);

        (second.Read, second.Added, second.Updated, second.Pruned).Should().Be((0, 0, 0, 0), "no file changed: none is read");
        (await cms.WriteRequestsAsync()).Should().Be(writesAfterFirst, "the second run sent nothing");
        (await cms.AllMemoriesAsync(Connector)).Should().HaveCount(expected.Count, "nothing was forgotten or stored again");
    }
}
