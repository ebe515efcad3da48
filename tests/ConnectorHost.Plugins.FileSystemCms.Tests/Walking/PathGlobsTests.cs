using ConnectorHost.Plugins.FileSystemCms.Walking;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Walking;

public sealed class PathGlobsTests
{
    [TestCase("README.md", true)]
    [TestCase("a/b/c/page.markdown", true)]
    [TestCase("Guide.HTML", true)]
    [TestCase("notes/x.txt", true)]
    [TestCase("notes/x.txt.orig", false)]
    [TestCase("img/logo.png", false)]
    [TestCase("data.json", false)]
    public void Matches_DefaultGlobs_SelectMarkdownHtmlAndText(string path, bool expected)
    {
        new PathGlobs(FileSystemCmsOptions.DefaultInclude, []).Matches(path).Should().Be(expected);
    }

    [TestCase("archive/2019.md", false)]
    [TestCase("docs/archive/2019.md", true)]
    [TestCase("site/node_modules/pkg/README.md", false)]
    [TestCase("drafts.md", true)]
    [TestCase("blog/draft-post.md", false)]
    public void Matches_ExcludeGlobs_WinOverIncludes(string path, bool expected)
    {
        new PathGlobs(["**/*.md"], ["archive/**", "**/node_modules/**", "**/draft-*"]).Matches(path).Should().Be(expected);
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
        new PathGlobs(["**/*.md"], ["archive/**", "**/node_modules/**", "docs/old/v1/**", "**/draft-*", "b*/**"])
            .ExcludesFolder(folder).Should().Be(expected);
    }
}
