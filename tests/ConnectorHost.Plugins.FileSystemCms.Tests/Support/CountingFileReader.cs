using System.Collections.Concurrent;
using ConnectorHost.Plugins.FileSystemCms.Walking;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>Counts the files the connector reads, and lets a test act just before a read (to make a file vanish).</summary>
internal sealed class CountingFileReader : IFileContentReader
{
    private readonly FileContentReader _inner = new();
    private readonly ConcurrentQueue<string> _reads = new();

    /// <summary>Runs before each read, with the file's full path.</summary>
    public Action<string>? BeforeRead { get; set; }

    /// <summary>The full paths read, in order.</summary>
    public IReadOnlyList<string> Reads => [.. _reads];

    /// <summary>Forgets the reads counted so far.</summary>
    public void Reset() => _reads.Clear();

    public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        _reads.Enqueue(path);
        BeforeRead?.Invoke(path);
        return _inner.ReadAsync(path, maxBytes, cancellationToken);
    }
}
