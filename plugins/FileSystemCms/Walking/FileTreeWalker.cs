using System.IO.Enumeration;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.FileSystemCms.Walking;

/// <summary>
/// Walks a content folder and streams the files that match the globs, depth first, with an explicit stack of
/// directory enumerators: nothing is collected or sorted, so memory grows with the depth of the tree, not its size.
/// </summary>
/// <remarks>
/// Symbolic links are ignored unless <see cref="FileSystemCmsOptions.FollowSymlinks"/> is set: the enumeration drops
/// them by the type in the directory entry, silently. When links are followed, a link to a folder that is already
/// being walked (a loop) is reported and not entered. Files come in the order the file system lists them.
/// <para>
/// On Unix, a directory entry gives a name and a kind for free; its attributes, size and time each need a stat
/// (attributes also a user id lookup). So entries are stat'ed only for what is used: the size and time of files when
/// walking, the attributes only to find links when links are followed.
/// </para>
/// </remarks>
internal sealed partial class FileTreeWalker
{
    private static readonly EnumerationOptions s_withLinks = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    private static readonly EnumerationOptions s_withoutLinks = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = FileAttributes.ReparsePoint,
        ReturnSpecialDirectories = false,
    };

    private static readonly StringComparer s_pathComparer =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly PathGlobs _globs;
    private readonly bool _followSymlinks;
    private readonly EnumerationOptions _enumeration;
    private readonly ILogger _logger;

    public FileTreeWalker(string root, FileSystemCmsOptions options, ILogger logger)
    {
        Root = root;
        _followSymlinks = options.FollowSymlinks;
        _enumeration = options.FollowSymlinks ? s_withLinks : s_withoutLinks;
        _logger = logger;
        _globs = new PathGlobs(root, (IEnumerable<string>?)options.Include ?? FileSystemCmsOptions.DefaultInclude, options.Exclude ?? []);
    }

    /// <summary>The absolute path of the content folder.</summary>
    public string Root { get; }

    /// <summary>Streams the matching files.</summary>
    /// <param name="strict">
    /// <see langword="true"/> for listings that must be complete: a folder that cannot be read throws. Otherwise it is
    /// logged and left out (its files are neither read nor reported as deleted).
    /// </param>
    /// <param name="cancellationToken">Stops the walk.</param>
    /// <returns>The files, in file system order.</returns>
    /// <exception cref="ConnectorException">The root (or, when <paramref name="strict"/>, a folder) cannot be read.</exception>
    public IEnumerable<WalkedFile> Walk(bool strict, CancellationToken cancellationToken) =>
        Walk(strict ? null : new WalkCoverage(), stat: true, cancellationToken);

    /// <summary>Streams the matching files, leaving out folders that cannot be read and noting them in <paramref name="coverage"/>.</summary>
    /// <param name="coverage">Records whether the walk visited every folder.</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    /// <returns>The files, in file system order.</returns>
    /// <exception cref="ConnectorException">The root cannot be read.</exception>
    public IEnumerable<WalkedFile> Walk(WalkCoverage coverage, CancellationToken cancellationToken) =>
        Walk(coverage, stat: true, cancellationToken);

    /// <summary>
    /// Lists the paths of the matching files, relative to the root: a strict <see cref="Walk(bool, CancellationToken)"/>
    /// that does not stat the files (only followed links are checked, so that broken ones stay out of the list).
    /// </summary>
    /// <param name="cancellationToken">Stops the walk.</param>
    /// <returns>The paths, in file system order.</returns>
    /// <exception cref="ConnectorException">The root or a folder cannot be read.</exception>
    public IEnumerable<string> ListRelativePaths(CancellationToken cancellationToken) =>
        Walk(lenient: null, stat: false, cancellationToken).Select(file => file.RelativePath);

    /// <summary>Checks that the root exists and can be listed, reading one entry of it.</summary>
    /// <exception cref="ConnectorException">The root does not exist or cannot be read.</exception>
    public void EnsureRootReadable()
    {
        using var entries = Open(Root, relativePath: string.Empty, isRoot: true, lenient: null, stat: false)!;
        MoveNext(new Frame(entries, string.Empty, Root), lenient: null);
    }

    // Strict when lenient is null: an unreadable folder throws. Without stat, files that are not links come with a
    // zero size and no time: only their paths are listed.
    private IEnumerable<WalkedFile> Walk(WalkCoverage? lenient, bool stat, CancellationToken cancellationToken)
    {
        var rootReal = RealPath.TryResolve(Root) ?? Root;
        var stack = new Stack<Frame>();
        var active = new HashSet<string>(s_pathComparer) { rootReal };
        stack.Push(new Frame(Open(Root, relativePath: string.Empty, isRoot: true, lenient, stat)!, string.Empty, rootReal));

        try
        {
            while (stack.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var frame = stack.Peek();
                if (!MoveNext(frame, lenient))
                {
                    frame.Entries.Dispose();
                    active.Remove(frame.RealPath);
                    stack.Pop();
                    continue;
                }

                var entry = frame.Entries.Current;
                var relativePath = frame.RelativePath.Length == 0 ? entry.Name : frame.RelativePath + "/" + entry.Name;
                if (entry.IsDirectory)
                {
                    if (_globs.ExcludesFolder(relativePath))
                    {
                        continue;
                    }

                    var real = entry.IsSymbolicLink ? RealPath.TryResolve(entry.FullPath) : Path.Join(frame.RealPath, entry.Name);
                    if (real is null)
                    {
                        LogBrokenSymlink(relativePath);
                        continue;
                    }

                    if (!active.Add(real))
                    {
                        LogSymlinkLoop(relativePath, real);
                        continue;
                    }

                    if (Open(entry.FullPath, relativePath, isRoot: false, lenient, stat) is { } entries)
                    {
                        stack.Push(new Frame(entries, relativePath, real));
                    }
                    else
                    {
                        active.Remove(real);
                    }

                    continue;
                }

                if (!_globs.Matches(relativePath))
                {
                    continue;
                }

                if (entry.IsSymbolicLink)
                {
                    if (Target(entry.FullPath) is not { } target)
                    {
                        LogBrokenSymlink(relativePath);
                        continue;
                    }

                    yield return new WalkedFile(relativePath, entry.FullPath, target.Length, target.LastWriteTimeUtc);
                }
                else
                {
                    yield return new WalkedFile(relativePath, entry.FullPath, entry.Length, entry.LastWriteTimeUtc);
                }
            }
        }
        finally
        {
            // Also when the consumer stops early or the walk throws: every open directory handle is released.
            while (stack.Count > 0)
            {
                stack.Pop().Entries.Dispose();
            }
        }
    }

    private static FileInfo? Target(string linkPath)
    {
        try
        {
            return File.ResolveLinkTarget(linkPath, returnFinalTarget: true) is FileInfo { Exists: true } target ? target : null;
        }
        catch (IOException)
        {
            // Too many levels of links, or a link to itself.
            return null;
        }
    }

    private IEnumerator<Entry>? Open(string path, string relativePath, bool isRoot, WalkCoverage? lenient, bool stat)
    {
        try
        {
            return new FileSystemEnumerable<Entry>(
                path, (ref FileSystemEntry entry) => Entry.From(ref entry, _followSymlinks, stat), _enumeration).GetEnumerator();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Unreadable(path, relativePath, isRoot, lenient, exception);
        }
    }

    private bool MoveNext(Frame frame, WalkCoverage? lenient)
    {
        try
        {
            return frame.Entries.MoveNext();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Unreadable(Path.Join(Root, frame.RelativePath), frame.RelativePath, isRoot: frame.RelativePath.Length == 0, lenient, exception);
            return false;
        }
    }

    private IEnumerator<Entry>? Unreadable(string path, string relativePath, bool isRoot, WalkCoverage? lenient, Exception exception)
    {
        if (isRoot)
        {
            throw exception is DirectoryNotFoundException
                ? new ConnectorException(ConnectorErrorKind.NotFound, $"The content folder '{path}' does not exist. Check the connector's root setting and that the folder is mounted.", exception)
                : new ConnectorException(ConnectorErrorKind.Authorization, $"The content folder '{path}' cannot be read: {exception.Message}. Give the host's user read access to it.", exception);
        }

        if (exception is DirectoryNotFoundException)
        {
            // Removed while the walk ran: its files are gone, which the listing reports as deletions.
            LogFolderVanished(relativePath);
            return null;
        }

        if (lenient is null)
        {
            throw new ConnectorException(
                ConnectorErrorKind.Authorization,
                $"The folder '{path}' cannot be read ({exception.Message}), so the list of files is incomplete and nothing is pruned. Give the host's user read access to it or exclude it.",
                exception);
        }

        lenient.LeftOut();
        LogFolderUnreadable(exception, relativePath);
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not following the symbolic link {Path}: it leads back to {Target}, a folder being walked")]
    private partial void LogSymlinkLoop(string path, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring the broken symbolic link {Path}")]
    private partial void LogBrokenSymlink(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "The folder {Path} disappeared during the walk")]
    private partial void LogFolderVanished(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping the folder {Path}: it cannot be read")]
    private partial void LogFolderUnreadable(Exception exception, string path);

    private sealed record Frame(IEnumerator<Entry> Entries, string RelativePath, string RealPath);

    private readonly record struct Entry(
        string Name, string FullPath, bool IsDirectory, bool IsSymbolicLink, long Length, DateTimeOffset LastWriteTimeUtc)
    {
        /// <summary>Reads a directory entry, stat'ing it only when asked to.</summary>
        /// <param name="entry">The entry.</param>
        /// <param name="findLinks">Whether to read the attributes to tell symbolic links (a stat).</param>
        /// <param name="stat">Whether to read the size and time of a file (a stat, shared with the attributes').</param>
        /// <returns>The entry.</returns>
        public static Entry From(ref FileSystemEntry entry, bool findLinks, bool stat)
        {
            var isDirectory = entry.IsDirectory;
            var isLink = findLinks && (entry.Attributes & FileAttributes.ReparsePoint) != 0;
            var statFile = stat && !isDirectory;
            return new Entry(
                entry.FileName.ToString(),
                entry.ToFullPath(),
                isDirectory,
                isLink,
                statFile ? entry.Length : 0,
                statFile ? entry.LastWriteTimeUtc : default);
        }
    }
}

/// <summary>Whether a lenient walk visited every folder: one it could not read is left out and noted here.</summary>
internal sealed class WalkCoverage
{
    private int _leftOut;

    /// <summary>How many folders were left out because they could not be read.</summary>
    public int FoldersLeftOut => Volatile.Read(ref _leftOut);

    /// <summary><see langword="true"/> when no folder was left out: the walk saw every matching file.</summary>
    public bool Complete => FoldersLeftOut == 0;

    internal void LeftOut() => Interlocked.Increment(ref _leftOut);
}
