using ConnectorHost.Plugins.FileSystemCms.Walking;
using Microsoft.Extensions.FileSystemGlobbing;

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

    private static readonly string[] s_paths =
    [
        "README.md", "readme.MD", ".md", "a/.hidden/j.md", "a/b/c/page.markdown", "Guide.HTML", "x.htm", "notes/x.txt",
        "notes/x.txt.orig", "img/logo.png", "noext", "dir.md/file", "archive/2019.md", "docs/archive/2019.md",
        "ARCHIVE/old.md", "site/node_modules/pkg/README.md", "Node_Modules/x.md", "a/b.tar.gz", "b.gz",
    ];

    [TestCaseSource(nameof(GlobSets))]
    public void Matches_ExtensionsAndFolderExcludes_DecideLikeTheMatcher(string[] include, string[] exclude)
    {
        // These sets take the fast path (extensions and excluded folders); the matcher is the reference.
        var globs = new PathGlobs(s_root, include, exclude);
        var matcher = new Matcher(StringComparison.OrdinalIgnoreCase);
        matcher.AddIncludePatterns(include);
        matcher.AddExcludePatterns(exclude);

        foreach (var path in s_paths)
        {
            globs.Matches(path).Should().Be(matcher.Match(s_root, path).HasMatches, "for {0}", path);
        }
    }

    private static IEnumerable<TestCaseData> GlobSets()
    {
        yield return new TestCaseData(FileSystemCmsOptions.DefaultInclude.ToArray(), Array.Empty<string>()).SetName("defaults");
        yield return new TestCaseData(new[] { "**/*.md", "**/*.tar.gz" }, new[] { "archive/**", "**/node_modules/**" }).SetName("folder excludes");
        yield return new TestCaseData(new[] { "/**/*.MD" }, new[] { "/docs/archive/**" }).SetName("leading slash and case");
    }
}
