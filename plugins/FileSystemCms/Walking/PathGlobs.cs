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

    // Set when every include glob is "**/*.ext" and every exclude glob excludes a whole folder (the defaults, and most
    // configurations): a file is then decided by its extension and folders, without the matcher, which builds a
    // directory model for every call and cost as much as the rest of a walk.
    private readonly string[]? _extensions;

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
        var includes = include.ToList();
        _matcher.AddIncludePatterns(includes);
        var onlyFolderExcludes = true;
        foreach (var pattern in exclude)
        {
            _matcher.AddExclude(pattern);

            // "dir/**" and "**/name/**" exclude everything below a folder, so the walk need not enter it at all
            // (think node_modules). Other patterns are only matched against files.
            var glob = Normalized(pattern);
            var folder = glob.EndsWith("/**", StringComparison.Ordinal) ? glob[..^3] : null;
            if (folder is not null && folder.StartsWith("**/", StringComparison.Ordinal) && IsLiteralName(folder[3..]))
            {
                _excludedFolderNames.Add(folder[3..]);
            }
            else if (folder is not null && IsLiteral(folder))
            {
                _excludedFolders.Add(folder);
            }
            else
            {
                onlyFolderExcludes = false;
            }
        }

        var extensions = includes.Select(ExtensionOf).ToList();
        if (onlyFolderExcludes && extensions.Count > 0 && extensions.All(extension => extension is not null))
        {
            _extensions = [.. extensions!];
        }
    }

    // ".ext" for a glob "**/*.ext" with a literal extension; null for any other glob.
    private static string? ExtensionOf(string pattern)
    {
        var glob = Normalized(pattern);
        if (!glob.StartsWith("**/*.", StringComparison.Ordinal))
        {
            return null;
        }

        var extension = glob[4..];
        return extension.Length > 1 && IsLiteralName(extension) ? extension : null;
    }

    // A glob as it is matched: forward slashes, relative to the root.
    private static string Normalized(string pattern) => pattern.Replace('\\', '/').TrimStart('/');

    private static bool IsLiteral(string path) => path.Length > 0 && !path.AsSpan().ContainsAny(s_wildcards);

    // A single literal path segment: no wildcard, no folder.
    private static bool IsLiteralName(string name) => IsLiteral(name) && !name.Contains('/', StringComparison.Ordinal);

    /// <summary>Whether a file is selected: matched by an include glob and by no exclude glob.</summary>
    /// <param name="relativePath">The file's path relative to the root.</param>
    /// <returns><see langword="true"/> when the file is synced.</returns>
    public bool Matches(string relativePath)
    {
        if (_extensions is null)
        {
            return _matcher.Match(_root, relativePath).HasMatches;
        }

        foreach (var extension in _extensions)
        {
            if (relativePath.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return !InExcludedFolder(relativePath);
            }
        }

        return false;
    }

    /// <summary>Whether an exclude glob excludes everything below a folder, so that it need not be walked.</summary>
    /// <param name="relativePath">The folder's path relative to the root.</param>
    /// <returns><see langword="true"/> when no file below the folder can be selected.</returns>
    public bool ExcludesFolder(string relativePath)
    {
        if (_excludedFolders.Count == 0 && _excludedFolderNames.Count == 0)
        {
            return false;
        }

        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        return _excludedFolders.Contains(relativePath, StringComparer.OrdinalIgnoreCase)
            || _excludedFolderNames.Contains(name, StringComparer.OrdinalIgnoreCase);
    }

    private bool InExcludedFolder(string relativePath)
    {
        for (var slash = relativePath.IndexOf('/'); slash > 0; slash = relativePath.IndexOf('/', slash + 1))
        {
            if (ExcludesFolder(relativePath[..slash]))
            {
                return true;
            }
        }

        return false;
    }
}
