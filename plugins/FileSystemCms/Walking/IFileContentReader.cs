namespace ConnectorHost.Plugins.FileSystemCms.Walking;

/// <summary>Reads a walked file's content. A seam, so that tests can count reads and make files vanish mid-run.</summary>
internal interface IFileContentReader
{
    /// <summary>Reads a whole file, refusing to read more than <paramref name="maxBytes"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most bytes to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content, or <see langword="null"/> when the file holds more than <paramref name="maxBytes"/>.</returns>
    /// <exception cref="IOException">The file vanished or cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken);
}

/// <summary>Reads files from the local file system, on the calling thread.</summary>
/// <remarks>
/// The read is synchronous and the returned task already completed (errors are thrown by the call). The files are
/// small and local, and on Unix an asynchronous file read is only a synchronous read on a thread-pool thread: one
/// handoff per file, which costs more than the read and keeps the pool's threads spinning.
/// </remarks>
internal sealed class FileContentReader : IFileContentReader
{
    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Editors and CMSs may be writing the file; never block them.
        using var handle = File.OpenHandle(
            path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);

        // One byte more than the size listed, to notice a file that grew since; it may also have shrunk.
        var buffer = new byte[Math.Min(RandomAccess.GetLength(handle), maxBytes) + 1];
        var total = 0;
        while (true)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
            {
                return ValueTask.FromResult<ReadOnlyMemory<byte>?>(buffer.AsMemory(0, total));
            }

            total += read;
            if (total > maxBytes)
            {
                return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
            }

            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
            }
        }
    }
}
