using ConnectorHost.Plugins.FileSystemCms.Walking;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Walking;

public sealed class PathGlobsTests
{
    private static readonly string s_root = Path.Join(Path.GetTempPath(), "content");

    [TestCase("README.md", true)]
    [TestCase("a/b/c/page.markdown", true)]
    [TestCase("Guide.HTML", true)]
    [TestCase("notes/x.txt", true)]
    [TestCase("notes/x.txt.orig", false)]
    [TestCase("img/logo.png", false)]
    [TestCase("data.json", false)]
    public void Matches_DefaultGlobs_SelectMarkdownHtmlAndText(string path, bool expected)
    {
        new PathGlobs(s_root, FileSystemCmsOptions.DefaultInclude, []).Matches(path).Should().Be(expected);
    }

    [TestCase("archive/2019.md", false)]
    [TestCase("docs/archive/2019.md", true)]
    [TestCase("site/node_modules/pkg/README.md", false)]
    [TestCase("drafts.md", true)]
    [TestCase("blog/draft-post.md", false)]
    public void Matches_ExcludeGlobs_WinOverIncludes(string path, bool expected)
    {
        new PathGlobs(s_root, ["**/*.md"], ["archive/**", "**/node_modules/**", "**/draft-*"]).Matches(path).Should().Be(expected);
    }

    [TestCase("docs/guide.md", true)]
    [TestCase("DOCS/Guide.MD", true)]
    [TestCase("docs/api/guide.md", false)]
    [TestCase("site/docs/guide.md", false)]
    [TestCase("docs/guide.tmp.md", false)]
    [TestCase("Docs/Guide.TMP.md", false)]
    [TestCase("ARCHIVE/2019.md", false)]
    public void Matches_GlobsWithFolders_MatchCaseInsensitivelyWhateverTheRoot(string path, bool expected)
    {
        string[] include = ["docs/*.md", "archive/*.md"];
        string[] exclude = ["**/*.tmp.md", "Archive/**"];
        var roots = new[]
        {
            s_root,
            s_root + Path.DirectorySeparatorChar,
            Path.GetPathRoot(s_root)!,
            Path.Join(s_root, "[x]{y}"),
        };

        roots.Select(root => new PathGlobs(root, include, exclude).Matches(path)).Should().AllBeEquivalentTo(expected);
    }

    [TestCase("archive", true)]
    [TestCase("Archive", true)]
    [TestCase("docs/archive", false)]
    [TestCase("node_modules", true)]
    [TestCase("site/deep/node_modules", true)]
    [TestCase("docs/old/v1", true)]
    [TestCase("docs/old", false)]
    [TestCase("blog", false)]
    public void ExcludesFolder_LiteralFolderGlobs_PruneExactlyTheirFolders(string folder, bool expected)
    {
        new PathGlobs(s_root, ["**/*.md"], ["archive/**", "**/node_modules/**", "docs/old/v1/**", "**/draft-*", "b*/**"])
            .ExcludesFolder(folder).Should().Be(expected);
    }
}
