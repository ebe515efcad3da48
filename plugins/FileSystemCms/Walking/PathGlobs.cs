using System.Buffers;
using Microsoft.Extensions.FileSystemGlobbing;

namespace ConnectorHost.Plugins.FileSystemCms.Walking;

/// <summary>
/// The include and exclude globs of a connector, matched against paths relative to the root with <c>/</c> separators,
/// case-insensitively.
/// </summary>
internal sealed class PathGlobs
{
    private static readonly SearchValues<char> s_wildcards = SearchValues.Create("*?[]{}");

    private readonly Matcher _matcher = new(StringComparison.OrdinalIgnoreCase);
    private readonly List<string> _excludedFolders = [];
    private readonly List<string> _excludedFolderNames = [];
    private readonly string _root;

    /// <summary>Compiles the globs.</summary>
    /// <param name="root">
    /// The folder the paths are relative to. The matcher places each path under a folder; without one it would ask
    /// the operating system for the current directory on every match.
    /// </param>
    /// <param name="include">The include globs.</param>
    /// <param name="exclude">The exclude globs.</param>
    public PathGlobs(string root, IEnumerable<string> include, IEnumerable<string> exclude)
    {
        _root = Path.GetFullPath(root);
        _matcher.AddIncludePatterns(include);
        foreach (var pattern in exclude)
        {
            _matcher.AddExclude(pattern);

            // "dir/**" and "**/name/**" exclude everything below a folder, so the walk need not enter it at all
            // (think node_modules). Other patterns are only matched against files.
            var glob = pattern.Replace('\\', '/').TrimStart('/');
            if (!glob.EndsWith("/**", StringComparison.Ordinal))
            {
                continue;
            }

            var folder = glob[..^3];
            if (folder.StartsWith("**/", StringComparison.Ordinal) && IsLiteral(folder[3..]) && !folder[3..].Contains('/', StringComparison.Ordinal))
            {
                _excludedFolderNames.Add(folder[3..]);
            }
            else if (IsLiteral(folder))
            {
                _excludedFolders.Add(folder);
            }
        }
    }

    private static bool IsLiteral(string path) => path.Length > 0 && !path.AsSpan().ContainsAny(s_wildcards);

    /// <summary>Whether a file is selected: matched by an include glob and by no exclude glob.</summary>
    /// <param name="relativePath">The file's path relative to the root.</param>
    /// <returns><see langword="true"/> when the file is synced.</returns>
    public bool Matches(string relativePath) => _matcher.Match(_root, relativePath).HasMatches;

    /// <summary>Whether an exclude glob excludes everything below a folder, so that it need not be walked.</summary>
    /// <param name="relativePath">The folder's path relative to the root.</param>
    /// <returns><see langword="true"/> when no file below the folder can be selected.</returns>
    public bool ExcludesFolder(string relativePath)
    {
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        return _excludedFolders.Contains(relativePath, StringComparer.OrdinalIgnoreCase)
            || _excludedFolderNames.Contains(name, StringComparer.OrdinalIgnoreCase);
    }
}
