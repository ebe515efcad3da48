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

/// <summary>Reads files from the local file system.</summary>
internal sealed class FileContentReader : IFileContentReader
{
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            // Editors and CMSs may be writing the file; never block them.
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            BufferSize = 0,
        });

        // One byte more than the size listed, to notice a file that grew since; it may also have shrunk.
        var buffer = new byte[Math.Min(stream.Length, maxBytes) + 1];
        var total = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                return buffer.AsMemory(0, total);
            }

            total += read;
            if (total > maxBytes)
            {
                return null;
            }

            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
            }
        }
    }
}
