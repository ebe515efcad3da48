namespace ConnectorHost.Storage;

/// <summary>
/// The state database cannot be used: missing permissions, a corrupt file, or another process holding it.
/// The message says what to do; the host refuses to start rather than starting from scratch (which would re-send
/// every item).
/// </summary>
internal sealed class StorageException : Exception
{
    public StorageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public StorageException()
    {
    }

    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary><see langword="true"/> when another process holds the file (a running service).</summary>
    public bool IsLocked { get; init; }
}
