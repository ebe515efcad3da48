using System.Runtime.Versioning;
using ConnectorHost.Plugins.FileSystemCms.Tests.Support;
using ConnectorHost.Plugins.FileSystemCms.Walking;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Walking;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FileTreeWalkerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly TempFolder _outside = new();
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose()
    {
        _folder.Dispose();
        _outside.Dispose();
    }

    [Test]
    public void Walk_NestedFolders_ReturnsRelativePathsWithSlashesAndCasePreserved()
    {
        _folder.Write("A/b/C/Page.md", "x");
        _folder.Write("top.md", "x");

        Paths(Walk()).Should().BeEquivalentTo("A/b/C/Page.md", "top.md");
    }

    [Test]
    public void Walk_File_ReportsItsSizeAndLastWriteTime()
    {
        _folder.Write("a.md", "12345");
        var lastWrite = new DateTime(2024, 12, 24, 18, 0, 0, DateTimeKind.Utc);
        _folder.SetLastWriteTime("a.md", lastWrite);

        var file = Walk().Single();

        file.Length.Should().Be(5);
        file.LastWriteTimeUtc.Should().Be(new DateTimeOffset(lastWrite));
        file.FullPath.Should().Be(_folder.PathOf("a.md"));
    }

    [Test]
    public void Walk_SymlinksByDefault_AreNotFollowed()
    {
        _folder.Write("real/page.md", "x");
        _outside.Write("shared/linked.md", "x");
        Link(_folder.PathOf("real/alias.md"), _folder.PathOf("real/page.md"));
        LinkFolder(_folder.PathOf("shared"), _outside.PathOf("shared"));

        Paths(Walk()).Should().Equal("real/page.md");
    }

    [Test]
    public void Walk_FollowSymlinks_FollowsLinksToFilesAndFoldersKeepingTheLinkPaths()
    {
        _folder.Write("real/page.md", "x");
        _outside.Write("shared/linked.md", "linked content");
        Link(_folder.PathOf("real/alias.md"), _folder.PathOf("real/page.md"));
        LinkFolder(_folder.PathOf("shared"), _outside.PathOf("shared"));

        Paths(Walk(followSymlinks: true)).Should().BeEquivalentTo("real/page.md", "real/alias.md", "shared/linked.md");
    }

    [Test]
    public void Walk_FollowedFileLink_ReportsTheTargetsSizeAndTime()
    {
        _outside.Write("target.md", "0123456789");
        var lastWrite = new DateTime(2023, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        _outside.SetLastWriteTime("target.md", lastWrite);
        Link(_folder.PathOf("link.md"), _outside.PathOf("target.md"));

        var file = Walk(followSymlinks: true).Single();

        file.Length.Should().Be(10);
        file.LastWriteTimeUtc.Should().Be(new DateTimeOffset(lastWrite));
    }

    [Test]
    public void Walk_FollowSymlinksWithLinksBackUp_NeverLoopsAndWarns()
    {
        _folder.Write("docs/guide.md", "x");
        LinkFolder(_folder.PathOf("docs/root"), _folder.Path);
        LinkFolder(_folder.PathOf("docs/self"), _folder.PathOf("docs"));
        LinkFolder(_folder.PathOf("docs/up"), "..");

        var files = Paths(Walk(followSymlinks: true));

        files.Should().Equal("docs/guide.md");
        _logs.Entries.Count(entry => entry.Level == LogLevel.Warning && entry.Message.Contains("leads back")).Should().Be(3);
    }

    [Test]
    public void Walk_FollowSymlinksThroughAnOutsideFolderLinkingBack_NeverLoops()
    {
        _folder.Write("page.md", "x");
        _outside.Write("ext/note.md", "x");
        LinkFolder(_folder.PathOf("ext"), _outside.PathOf("ext"));
        LinkFolder(_outside.PathOf("ext/back"), _folder.Path);

        Paths(Walk(followSymlinks: true)).Should().BeEquivalentTo("page.md", "ext/note.md");
    }

    [Test]
    public void Walk_SameFolderLinkedTwice_IsWalkedUnderBothPaths()
    {
        _outside.Write("shared/a.md", "x");
        LinkFolder(_folder.PathOf("one"), _outside.PathOf("shared"));
        LinkFolder(_folder.PathOf("two"), _outside.PathOf("shared"));

        Paths(Walk(followSymlinks: true)).Should().BeEquivalentTo("one/a.md", "two/a.md");
    }

    [Test]
    public void Walk_BrokenLinkWhileFollowing_IsIgnoredWithAWarning()
    {
        _folder.Write("ok.md", "x");
        Link(_folder.PathOf("broken.md"), _folder.PathOf("missing.md"));

        Paths(Walk(followSymlinks: true)).Should().Equal("ok.md");
        _logs.Entries.Should().Contain(entry => entry.Level == LogLevel.Warning && Equals(entry.Properties["Path"], "broken.md"));
    }

    [Test]
    public void Walk_RootThatIsALink_IsWalkedEvenWithoutFollowingLinks()
    {
        _outside.Write("content/page.md", "x");
        var root = _folder.PathOf("root-link");
        LinkFolder(root, _outside.PathOf("content"));

        Paths(new FileTreeWalker(root, new FileSystemCmsOptions { Root = root }, Logger()).Walk(strict: true, CancellationToken.None))
            .Should().Equal("page.md");
    }

    [Test]
    public void Walk_FolderExcludedAsAWhole_IsNotEntered()
    {
        _folder.Write("site/page.md", "x");
        _folder.Write("site/node_modules/pkg/README.md", "x");

        // Entering node_modules would find the link back to the root and warn about the loop.
        LinkFolder(_folder.PathOf("site/node_modules/pkg/loop"), _folder.Path);
        var walker = new FileTreeWalker(
            _folder.Path,
            new FileSystemCmsOptions { Root = _folder.Path, FollowSymlinks = true, Exclude = ["**/node_modules/**"] },
            Logger());

        Paths(walker.Walk(strict: true, CancellationToken.None)).Should().Equal("site/page.md");
        _logs.Entries.Should().NotContain(entry => entry.Level == LogLevel.Warning);
    }

    [Test]
    public void ListRelativePaths_Tree_ListsExactlyWhatAStrictWalkFinds()
    {
        _folder.Write("A/b/Page.md", "x");
        _folder.Write("top.md", "x");
        _folder.Write("image.png", "x");
        _folder.Write("site/node_modules/pkg/README.md", "x");
        _outside.Write("shared/linked.md", "x");
        Link(_folder.PathOf("alias.md"), _folder.PathOf("top.md"));
        LinkFolder(_folder.PathOf("shared"), _outside.PathOf("shared"));
        var walker = new FileTreeWalker(
            _folder.Path, new FileSystemCmsOptions { Root = _folder.Path, Exclude = ["**/node_modules/**"] }, Logger());

        var listed = walker.ListRelativePaths(CancellationToken.None).ToList();

        listed.Should().BeEquivalentTo("A/b/Page.md", "top.md");
        listed.Should().Equal(Paths(walker.Walk(strict: true, CancellationToken.None)));
    }

    [Test]
    public void ListRelativePaths_FollowSymlinks_ListsLinkedFilesButNotBrokenLinks()
    {
        _folder.Write("real/page.md", "x");
        _outside.Write("shared/linked.md", "x");
        Link(_folder.PathOf("real/alias.md"), _folder.PathOf("real/page.md"));
        Link(_folder.PathOf("broken.md"), _folder.PathOf("missing.md"));
        LinkFolder(_folder.PathOf("shared"), _outside.PathOf("shared"));
        LinkFolder(_folder.PathOf("real/up"), _folder.Path);

        Walker(followSymlinks: true).ListRelativePaths(CancellationToken.None)
            .Should().BeEquivalentTo("real/page.md", "real/alias.md", "shared/linked.md");
    }

    [Test]
    public void ListRelativePaths_MissingRoot_ThrowsNotFound()
    {
        var root = _folder.PathOf("missing");
        var walker = new FileTreeWalker(root, new FileSystemCmsOptions { Root = root }, Logger());

        var act = () => walker.ListRelativePaths(CancellationToken.None).ToList();

        act.Should().Throw<ConnectorException>().Which.Kind.Should().Be(ConnectorErrorKind.NotFound);
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "Unix file modes")]
    [UnsupportedOSPlatform("windows")]
    public void ListRelativePaths_UnreadableFolder_ThrowsLikeAStrictWalk()
    {
        if (Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("A privileged user reads every folder.");
        }

        _folder.Write("ok.md", "x");
        _folder.Write("locked/secret.md", "x");
        File.SetUnixFileMode(_folder.PathOf("locked"), UnixFileMode.None);
        try
        {
            var walker = Walker();

            var list = () => walker.ListRelativePaths(CancellationToken.None).ToList();
            var walk = () => walker.Walk(strict: true, CancellationToken.None).ToList();

            list.Should().Throw<ConnectorException>().Which.Kind.Should().Be(ConnectorErrorKind.Authorization);
            walk.Should().Throw<ConnectorException>().Which.Kind.Should().Be(ConnectorErrorKind.Authorization);
            Paths(Walk()).Should().Equal("ok.md");
            var coverage = new WalkCoverage();
            Paths(walker.Walk(coverage, CancellationToken.None)).Should().Equal("ok.md");
            coverage.Complete.Should().BeFalse("the lenient walk left the locked folder out");
            coverage.FoldersLeftOut.Should().Be(1);
        }
        finally
        {
            File.SetUnixFileMode(_folder.PathOf("locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Test]
    public void Walk_EveryFolderReadable_CoverageIsComplete()
    {
        _folder.Write("a/b/c.md", "x");
        _folder.Write("top.md", "x");
        var coverage = new WalkCoverage();

        Paths(Walker().Walk(coverage, CancellationToken.None)).Should().BeEquivalentTo("a/b/c.md", "top.md");

        coverage.Complete.Should().BeTrue();
        coverage.FoldersLeftOut.Should().Be(0);
    }

    [Test]
    public void Walk_Cancelled_Throws()
    {
        _folder.Write("a.md", "x");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var act = () => Walker().Walk(strict: false, cancellation.Token).ToList();

        act.Should().Throw<OperationCanceledException>();
    }

    private static List<string> Paths(IEnumerable<WalkedFile> files) => files.Select(file => file.RelativePath).ToList();

    private static void Link(string path, string target)
    {
        try
        {
            File.CreateSymbolicLink(path, target);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Assert.Ignore($"Symbolic links cannot be created here: {exception.Message}");
        }
    }

    private static void LinkFolder(string path, string target)
    {
        try
        {
            Directory.CreateSymbolicLink(path, target);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Assert.Ignore($"Symbolic links cannot be created here: {exception.Message}");
        }
    }

    private List<WalkedFile> Walk(bool followSymlinks = false) =>
        Walker(followSymlinks).Walk(strict: false, CancellationToken.None).ToList();

    private FileTreeWalker Walker(bool followSymlinks = false) =>
        new(_folder.Path, new FileSystemCmsOptions { Root = _folder.Path, FollowSymlinks = followSymlinks }, Logger());

    private ILogger Logger() => _logs.CreateLogger("walker");
}
