using System.Reflection;
using LiteDB;
using LiteDB.Engine;

namespace ConnectorHost.Storage;

/// <summary>
/// The LiteDB engine over file streams the host opens itself, so that a committed transaction is on disk once
/// <see cref="MakeDurable"/> returns, with one flush per transaction.
/// </summary>
/// <remarks>
/// LiteDB 5 returns from a commit while the transaction's pages still wait in its log writer's queue, and that writer
/// flushes to disk each time it empties the queue — often once per page. The first means a process killed right after
/// a commit could lose it (and the host may already have acted on it: sent the request the intent describes); the
/// second made flushes the largest cost of a sync. Here the log flushes only to the OS while LiteDB writes, and
/// <see cref="MakeDurable"/> waits for the queue and flushes the log to disk once. The data file keeps LiteDB's own
/// flushes (its checkpoints copy the log into it before truncating the log).
/// </remarks>
internal sealed class LiteDbFiles : IDisposable
{
    private readonly SyncingFileStream _data;
    private readonly SyncingFileStream _log;
    private readonly Action _waitForLogWriter;

    private LiteDbFiles(SyncingFileStream data, SyncingFileStream log, LiteDatabase database, Action waitForLogWriter)
    {
        _data = data;
        _log = log;
        Database = database;
        _waitForLogWriter = waitForLogWriter;
    }

    public LiteDatabase Database { get; }

    /// <summary>Opens the database file and its log (<c>name-log.db</c>, LiteDB's own naming) owner-only.</summary>
    /// <exception cref="LiteException">The file is not a LiteDB file, or is damaged.</exception>
    /// <exception cref="IOException">A file cannot be opened.</exception>
    public static LiteDbFiles Open(string path, BsonMapper mapper)
    {
        var data = SyncingFileStream.Open(path, flushToDisk: true);
        SyncingFileStream? log = null;
        LiteEngine? engine = null;
        try
        {
            log = SyncingFileStream.Open(LogPathOf(path), flushToDisk: false);
            engine = new LiteEngine(new EngineSettings
            {
                DataStream = data,
                LogStream = log,
                // Keys compare byte for byte: native ids are case-sensitive ("Readme.md" and "README.md" are two
                // files), and LiteDB's default collation (culture-aware, case-insensitive) made them one ledger entry
                // and every index lookup a culture comparison. LiteDB keeps a file's collation in its header; an
                // existing file is opened with its own.
                Collation = data.Length == 0 ? Collation.Binary : null,
                // Never rebuild silently: a rebuilt file may have lost ledger entries, and a lost ledger entry means
                // a duplicate in MemorySync.
                AutoRebuild = false,
            });
            var waitForLogWriter = LogWriterWait(engine);
            return new LiteDbFiles(data, log, new LiteDatabase(engine, mapper, disposeOnClose: true), waitForLogWriter);
        }
        catch
        {
            engine?.Dispose();
            log?.Dispose();
            data.Dispose();
            throw;
        }
    }

    /// <summary>LiteDB's log file for a database file: <c>dir/name-log.ext</c>.</summary>
    public static string LogPathOf(string path) =>
        Path.Combine(
            Path.GetDirectoryName(path) ?? string.Empty,
            $"{Path.GetFileNameWithoutExtension(path)}-log{Path.GetExtension(path)}");

    /// <summary>Returns once every committed page is written to the log and the log is flushed to disk.</summary>
    public void MakeDurable()
    {
        _waitForLogWriter();
        _log.FlushToDisk();
    }

    public void Dispose()
    {
        Database.Dispose();
        _log.Dispose();
        _data.Dispose();
    }

    // LiteDB 5.0.x keeps its log writer internal: engine._disk.Queue.Value.Wait(). The version is pinned centrally;
    // if an upgrade moves these members, every database open fails here at once (and the storage tests with it).
    private static Action LogWriterWait(LiteEngine engine)
    {
        const BindingFlags instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var disk = typeof(LiteEngine).GetField("_disk", instance)?.GetValue(engine);
        var lazyQueue = disk?.GetType().GetProperty("Queue", instance)?.GetValue(disk);
        var queue = lazyQueue?.GetType().GetProperty("Value", instance)?.GetValue(lazyQueue);
        var wait = queue?.GetType().GetMethod("Wait", instance, Type.EmptyTypes);
        return wait is null
            ? throw new InvalidOperationException(
                "This LiteDB version does not expose its log writer as LiteDB 5.0 does; the state database cannot promise durable commits with it.")
            : (Action)Delegate.CreateDelegate(typeof(Action), queue, wait);
    }

    /// <summary>A file stream whose <see cref="Flush()"/> goes to the disk, or only to the OS.</summary>
    private sealed class SyncingFileStream(FileStream inner, bool flushToDisk) : Stream
    {
        public static SyncingFileStream Open(string path, bool flushToDisk)
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                // The folder lock keeps other processes out; LiteDB reads and writes through this one handle.
                Share = FileShare.ReadWrite,
                // LiteDB writes whole pages; a buffer here would only delay them past a flush.
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new SyncingFileStream(new FileStream(path, options), flushToDisk);
        }

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override void Flush()
        {
            if (flushToDisk)
            {
                FlushToDisk();
            }
            else
            {
                inner.Flush();
            }
        }

        // LiteDB serialises its own reads and writes by locking the stream it was given (this one); the flush takes
        // the same lock so that it never runs inside a write.
        public void FlushToDisk()
        {
            lock (this)
            {
                inner.Flush(flushToDisk: true);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
