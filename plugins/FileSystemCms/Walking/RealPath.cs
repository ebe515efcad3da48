namespace ConnectorHost.Plugins.FileSystemCms.Walking;

/// <summary>Resolves the symbolic links in a path, component by component, like POSIX <c>realpath</c>.</summary>
internal static class RealPath
{
    // Linux gives up after 40 links (ELOOP); so does this.
    private const int MaxLinks = 40;

    /// <summary>The path with every symbolic link in it resolved.</summary>
    /// <param name="path">An absolute or relative path.</param>
    /// <returns>The real path, or <see langword="null"/> when a link is broken or the links loop.</returns>
    public static string? TryResolve(string path)
    {
        var remaining = Path.GetFullPath(path);
        for (var links = 0; links <= MaxLinks; links++)
        {
            var root = Path.GetPathRoot(remaining) ?? string.Empty;
            var parts = remaining[root.Length..].Split(
                [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
            var current = root;
            string? restart = null;
            for (var i = 0; i < parts.Length && restart is null; i++)
            {
                var next = Path.Join(current, parts[i]);
                string? target;
                try
                {
                    target = new FileInfo(next).LinkTarget;
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    return null;
                }

                if (target is null)
                {
                    current = next;
                    continue;
                }

                // A relative target is relative to the folder holding the link.
                restart = Path.Join(Path.GetFullPath(target, current), string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]));
            }

            if (restart is null)
            {
                return Path.Exists(current) ? current : null;
            }

            remaining = Path.GetFullPath(restart);
        }

        return null;
    }
}
