using ConnectorHost.Plugins.FileSystemCms.Tests.Support;

namespace ConnectorHost.Plugins.FileSystemCms.Tests;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class LargeTreeTests : IDisposable
{
    private const int Folders = 100;
    private const int FilesPerFolder = 100;
    private const int Files = Folders * FilesPerFolder;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Test]
    public async Task ReadChanges_TenThousandFiles_StreamsDeliversEachOnceAndRereadsNothing()
    {
        for (var folder = 0; folder < Folders; folder++)
        {
            for (var file = 0; file < FilesPerFolder; file++)
            {
                _folder.Write($"section-{folder:D3}/sub/page-{file:D3}.md", $"# Page {folder}.{file}\n\nGenerated content of page {file} in section {folder}.");
            }
        }

        await using var cms = CmsHarness.Create(_folder.Path);

        // Streaming: the first change arrives after one read, not after the whole tree was read or collected.
        await foreach (var change in cms.Harness.ReadAsync())
        {
            change.Should().BeOfType<Upsert>();
            cms.Reader.Reads.Should().HaveCount(1);
            break;
        }

        var first = await cms.RunAsync();
        var second = await cms.RunAsync();

        first.Delivered.Should().HaveCount(Files);
        cms.Ledger.Sent.Should().HaveCount(Files).And.OnlyHaveUniqueItems();
        first.Checkpoints.Should().HaveCount(Files / 500);
        first.Listed.Should().Be(Files);
        second.Yielded.Should().Be(0);
        second.Pruned.Should().BeEmpty();
        cms.Reader.Reads.Should().BeEmpty();
    }
}
