using System.Globalization;

namespace ConnectorHost.Plugins.FileSystemCms.Walking;

/// <summary>A file found by the walk, with what a stat tells about it (nothing is read).</summary>
/// <param name="RelativePath">The path relative to the root with <c>/</c> separators: the file's native id.</param>
/// <param name="FullPath">The path to open (through the link, for a followed symbolic link).</param>
/// <param name="Length">The size in bytes (of the link's target, for a followed symbolic link).</param>
/// <param name="LastWriteTimeUtc">The last write time (of the link's target, for a followed symbolic link).</param>
internal sealed record WalkedFile(string RelativePath, string FullPath, long Length, DateTimeOffset LastWriteTimeUtc)
{
    /// <summary>The size and last write time: what the fingerprint is made of.</summary>
    public string Stat => string.Create(CultureInfo.InvariantCulture, $"{Length}:{LastWriteTimeUtc.UtcTicks}");
}
