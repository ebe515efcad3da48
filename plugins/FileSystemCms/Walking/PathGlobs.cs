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

    public PathGlobs(IEnumerable<string> include, IEnumerable<string> exclude)
    {
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
    public bool Matches(string relativePath) => _matcher.Match(relativePath).HasMatches;

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
