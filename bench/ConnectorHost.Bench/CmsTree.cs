using System.Globalization;
using System.Text;

namespace ConnectorHost.Bench;

/// <summary>
/// A filesystem CMS tree of small Markdown documents with front matter, 1,000 to a folder, each text unique (the
/// emulator deduplicates identical texts). A tree is generated once per size and reused: a marker file records it.
/// </summary>
internal static class CmsTree
{
    private const int FilesPerFolder = 1_000;
    private const string Marker = ".bench-tree";

    private static readonly string[] s_words =
    [
        "deploy", "rollback", "incident", "runbook", "latency", "budget", "review", "release", "schema", "backup",
        "restore", "oncall", "pager", "capacity", "quota", "migration", "index", "cache", "replica", "failover",
    ];

    /// <summary>Makes sure <paramref name="root"/> holds exactly the generated tree of <paramref name="documents"/> files.</summary>
    public static string Ensure(string root, int documents)
    {
        var marker = Path.Combine(root, Marker);
        var expected = documents.ToString(CultureInfo.InvariantCulture);
        if (File.Exists(marker) && File.ReadAllText(marker) == expected)
        {
            return root;
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        for (var i = 0; i < documents; i++)
        {
            var folder = Path.Combine(root, (i / FilesPerFolder).ToString("D4", CultureInfo.InvariantCulture));
            if (i % FilesPerFolder == 0)
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(Path.Combine(folder, $"doc-{i:D7}.md"), Document(i));
        }

        File.WriteAllText(marker, expected);
        return root;
    }

    /// <summary>The relative paths and raw contents of the tree, in a stable order (what the baselines send).</summary>
    public static IEnumerable<(string Path, string Text)> Read(string root) =>
        Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(file => (System.IO.Path.GetRelativePath(root, file).Replace('\\', '/'), File.ReadAllText(file)));

    private static string Document(int i)
    {
        var text = new StringBuilder(512);
        text.Append(CultureInfo.InvariantCulture, $"---\ntitle: Handbook page {i}\ntags: [bench, group-{i % 97}]\nowner: team-{i % 13}\n---\n");
        text.Append(CultureInfo.InvariantCulture, $"# Handbook page {i}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"This page {i} explains how the team handles ");
        for (var w = 0; w < 24; w++)
        {
            text.Append(s_words[(i * 7 + w * 3) % s_words.Length]).Append(' ');
        }

        text.Append(CultureInfo.InvariantCulture, $"in step {i % 17}.\n\n- check the **dashboard** first\n- then page the owner of item {i}\n");
        return text.ToString();
    }
}
