using System.Text;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;
using ConnectorHost.Plugins.FileSystemCms.Walking;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Walking;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FileContentReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FileContentReader _reader = new();

    public void Dispose() => _folder.Dispose();

    [Test]
    public async Task ReadAsync_File_ReturnsItsBytes()
    {
        var path = _folder.Write("page.md", "# Hello\n\nWorld.");

        var content = await _reader.ReadAsync(path, maxBytes: 1024, CancellationToken.None);

        Encoding.UTF8.GetString(content!.Value.Span).Should().Be("# Hello\n\nWorld.");
    }

    [Test]
    public async Task ReadAsync_FileOfExactlyMaxBytes_ReturnsIt()
    {
        var path = _folder.Write("page.md", new string('x', 100));

        var content = await _reader.ReadAsync(path, maxBytes: 100, CancellationToken.None);

        content!.Value.Length.Should().Be(100);
    }

    [Test]
    public async Task ReadAsync_FileLargerThanMaxBytes_ReturnsNull()
    {
        var path = _folder.Write("page.md", new string('x', 101));

        var content = await _reader.ReadAsync(path, maxBytes: 100, CancellationToken.None);

        content.Should().BeNull();
    }

    [Test]
    [Platform(Include = "Linux", Reason = "Files under /proc list a size of zero but have content")]
    public async Task ReadAsync_FileLongerThanItsListedSize_IsReadWholeUpToMaxBytes()
    {
        const string path = "/proc/self/status";
        new FileInfo(path).Length.Should().Be(0);

        var whole = await _reader.ReadAsync(path, maxBytes: 1024 * 1024, CancellationToken.None);
        var limited = await _reader.ReadAsync(path, maxBytes: 64, CancellationToken.None);

        var text = Encoding.UTF8.GetString(whole!.Value.Span);
        text.Should().StartWith("Name:").And.Contain("\nPid:").And.EndWith("\n");
        limited.Should().BeNull();
    }

    [Test]
    public async Task ReadAsync_MissingFile_ThrowsFileNotFound()
    {
        var read = async () => await _reader.ReadAsync(_folder.PathOf("missing.md"), maxBytes: 1024, CancellationToken.None);

        await read.Should().ThrowAsync<FileNotFoundException>();
    }

    [Test]
    public async Task ReadAsync_Cancelled_ThrowsBeforeOpeningTheFile()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var read = async () => await _reader.ReadAsync(_folder.PathOf("missing.md"), maxBytes: 1024, cancellation.Token);

        await read.Should().ThrowAsync<OperationCanceledException>();
    }
}
