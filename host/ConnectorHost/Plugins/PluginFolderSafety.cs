namespace ConnectorHost.Plugins;

/// <summary>
/// Keeps a plugin to its own folder: every file of code it may load, and every directory under it, must resolve
/// (after following symbolic links) inside the folder.
/// </summary>
internal static class PluginFolderSafety
{
    private const int MaxDepth = 32;
    private const int MaxLinks = 40;

    private static readonly HashSet<string> s_codeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".dll", ".exe", ".so", ".dylib",
    };

    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;

    /// <exception cref="PluginRefusedException">A link leads outside the folder (status NotSupported).</exception>
    public static void EnsureContained(string folder)
    {
        var realFolder = RealPath(folder);
        Walk(new DirectoryInfo(folder), folder, realFolder, depth: 0);
    }

    /// <summary>Whether <paramref name="path"/> resolves inside <paramref name="realFolder"/> (itself a real path).</summary>
    public static bool IsInside(string realFolder, string path)
    {
        var real = RealPath(path);
        return real.Equals(realFolder, PathComparison)
            || real.StartsWith(Path.TrimEndingDirectorySeparator(realFolder) + Path.DirectorySeparatorChar, PathComparison);
    }

    /// <summary>
    /// The absolute path with every symbolic link (or junction) resolved, like POSIX realpath; the last parts need not
    /// exist.
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        PushParts(pending, full[current.Length..]);
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"Too many levels of symbolic links in {path}.");
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
                target = target[current.Length..];
            }

            PushParts(pending, target);
        }

        return current;
    }

    private static void Walk(DirectoryInfo directory, string folder, string realFolder, int depth)
    {
        if (depth > MaxDepth)
        {
            throw PluginRefusedException.NotSupported(
                $"the folder is nested more than {MaxDepth} levels deep under {Relative(folder, directory.FullName)}");
        }

        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            var isLink = entry.LinkTarget is not null;
            var isDirectory = entry is DirectoryInfo || (isLink && Directory.Exists(entry.FullName));
            if (isLink && (isDirectory || s_codeExtensions.Contains(entry.Extension)) && !IsInside(realFolder, entry.FullName))
            {
                throw PluginRefusedException.NotSupported(
                    $"{Relative(folder, entry.FullName)} is a symbolic link to {RealPath(entry.FullName)}, outside the "
                    + "plugin folder; a plugin may only use files inside its own folder");
            }

            // A link to a directory inside the folder is walked where it really is.
            if (isDirectory && !isLink)
            {
                Walk(new DirectoryInfo(entry.FullName), folder, realFolder, depth + 1);
            }
        }
    }

    private static string Relative(string folder, string path) => Path.GetRelativePath(folder, path);

    // Pushed last part first, so the first part pops first.
    private static void PushParts(Stack<string> pending, string path)
    {
        var parts = path.Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar],
            StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
