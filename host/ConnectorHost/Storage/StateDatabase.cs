using System.Runtime.InteropServices;
using LiteDB;

namespace ConnectorHost.Storage;

/// <summary>
/// The appliance's one LiteDB file: cursors, the ledger, the outbox, dead letters, run history and connector state.
/// </summary>
/// <remarks>
/// One process at a time: LiteDB's Direct mode shares the file for reading, which on Unix lets a second writer in, so
/// the data folder is held by an exclusive lock on <c>connector-host.lock</c> for the life of the database. A second
/// process (the CLI while the service runs) is refused and talks to the service's control endpoint instead. LiteDB
/// writes through a log file and recovers it on open, so a killed process loses nothing that was committed (and the
/// OS drops the lock with the process). Multi-step changes go through <see cref="Write"/>, one transaction each.
/// </remarks>
internal sealed class StateDatabase : IDisposable
{
    public const int SchemaVersion = 1;

    /// <summary>The file in the data folder whose exclusive lock says a process owns the state database.</summary>
    public const string LockFileName = "connector-host.lock";

    /// <summary>Separates the connector name from the native id in ledger keys (a character neither contains).</summary>
    public const char KeySeparator = '\u001f';

    private readonly LiteDbFiles _files;
    private readonly LiteDatabase _db;
    private readonly FileStream _lock;

    // LiteDB takes a collection's write lock at the first write and holds it until commit, so two transactions that
    // write the same collections in different orders (ledger then outbox, outbox then ledger) deadlock until its
    // one-minute lock timeout. One writing transaction at a time rules that out; the transactions are short.
    private readonly Lock _writeGate = new();

    private StateDatabase(LiteDbFiles files, FileStream folderLock, string path)
    {
        _files = files;
        var db = _db = files.Database;
        _lock = folderLock;
        FilePath = path;
        Cursors = db.GetCollection<CursorDocument>("cursors");
        Ledger = db.GetCollection<LedgerDocument>("ledger");
        Outbox = db.GetCollection<OutboxDocument>("outbox");
        DeadLetters = db.GetCollection<DeadLetterDocument>("dead_letters");
        Runs = db.GetCollection<RunDocument>("runs");
        ConnectorStates = db.GetCollection<ConnectorStateDocument>("connector_state");
        Meta = db.GetCollection<MetaDocument>("meta");
    }

    public string FilePath { get; }

    /// <summary>The collections the file holds.</summary>
    internal IEnumerable<string> CollectionNames => _db.GetCollectionNames();

    public ILiteCollection<CursorDocument> Cursors { get; }

    public ILiteCollection<LedgerDocument> Ledger { get; }

    public ILiteCollection<OutboxDocument> Outbox { get; }

    public ILiteCollection<DeadLetterDocument> DeadLetters { get; }

    public ILiteCollection<RunDocument> Runs { get; }

    public ILiteCollection<ConnectorStateDocument> ConnectorStates { get; }

    private ILiteCollection<MetaDocument> Meta { get; }

    /// <summary>Opens (or creates) the state database, owner-only, refusing a corrupt or foreign file.</summary>
    /// <exception cref="StorageException">The file is locked, unreadable, corrupt or from a newer version.</exception>
    public static StateDatabase Open(StorageOptions options, TimeProvider time)
    {
        var path = options.DatabasePath;
        CreateOwnerOnlyDirectory(options.DataDirectory);
        var folderLock = Lock(options.DataDirectory, path);
        var isNew = IsNew(path);
        if (!isNew)
        {
            try
            {
                CheckFileShape(path);
            }
            catch
            {
                folderLock.Dispose();
                throw;
            }
        }

        LiteDbFiles db;
        try
        {
            db = LiteDbFiles.Open(path, CreateMapper());
        }
        catch (IOException ex) when (IsSharingViolation(ex))
        {
            folderLock.Dispose();
            throw Locked(path, ex);
        }
        catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException or InvalidCastException
                                       or FormatException or ArgumentException or OverflowException)
        {
            folderLock.Dispose();
            throw Unreadable(path, ex);
        }

        try
        {
            RestrictToOwner(path);
            RestrictToOwner(LiteDbFiles.LogPathOf(path));
            var store = new StateDatabase(db, folderLock, path);
            store.Initialize(isNew, time);
            return store;
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidCastException or FormatException
                                       or ArgumentException or OverflowException or NullReferenceException)
        {
            db.Dispose();
            folderLock.Dispose();
            throw Unreadable(path, ex);
        }
        catch
        {
            db.Dispose();
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="change"/> as one transaction: all of it is durable, or none of it.</summary>
    /// <remarks>
    /// Synchronous on purpose: LiteDB binds a transaction to the calling thread. Write transactions run one at a time:
    /// LiteDB takes a collection's write lock at the first write to it, so two concurrent transactions touching the
    /// same collections in different orders (outbox then ledger, ledger then outbox) would each wait for the other
    /// until LiteDB's one-minute lock timeout.
    /// </remarks>
    public void Write(Action change)
    {
        lock (_writeGate)
        {
            if (!_db.BeginTrans())
            {
                // Already inside a transaction on this thread: the outer one commits.
                change();
                return;
            }

            try
            {
                change();
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }

            _files.MakeDurable();
        }
    }

    /// <summary>Runs <paramref name="change"/> as one transaction and returns its result.</summary>
    public T Write<T>(Func<T> change)
    {
        var result = default(T)!;
        Write(() => { result = change(); });
        return result;
    }

    public static string LedgerKey(string connector, string nativeId) => connector + KeySeparator + nativeId;

    public static string LedgerPrefix(string connector) => connector + KeySeparator;

    public void Dispose()
    {
        _files.Dispose();
        _lock.Dispose();
    }

    private void Initialize(bool isNew, TimeProvider time)
    {
        var meta = Meta.FindById("schema");
        if (meta is null)
        {
            if (!isNew && _db.GetCollectionNames().Any(name => name != "meta"))
            {
                throw new LiteException(0, "the file holds collections but no schema record; it was not written by ConnectorHost");
            }

            Meta.Upsert(new MetaDocument { SchemaVersion = SchemaVersion, CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds() });
        }
        else if (meta.SchemaVersion > SchemaVersion)
        {
            throw new StorageException(
                $"The state database {FilePath} was written by a newer ConnectorHost (schema {meta.SchemaVersion}; " +
                $"this version reads schema {SchemaVersion}). Run the newer version, or restore a backup made by this one.");
        }

        // Ledger entries are found by key, and a connector's entries by key prefix: an index on the connector was one more
        // index node to write for every delivered item (a sixth of a ledger write) and answered no query. Files written
        // by earlier versions have one; it goes.
        Ledger.DropIndex(nameof(LedgerDocument.Connector));

        // LiteDB creates a collection at its first write and has no call for it; the index above used to. Created in a
        // run's first write transaction while the run's other threads read it, it left LiteDB's engine unusable
        // ("page must be writable to support changes"). An insert of nothing creates it now, before any run.
        Ledger.Insert([]);
        Outbox.EnsureIndex(x => x.Connector);
        DeadLetters.EnsureIndex(x => x.Connector);
        Runs.EnsureIndex(x => x.Connector);

        // Touch every collection once so that a damaged page surfaces now, at start-up, not in the middle of a run.
        _ = Cursors.Count();
        _ = Ledger.Count();
        _ = Outbox.Count();
        _ = DeadLetters.Count();
        _ = Runs.Count();
        _ = ConnectorStates.Count();
    }

    /// <summary>Refuses a file that cannot be a whole LiteDB database before LiteDB opens it.</summary>
    /// <remarks>
    /// LiteDB takes a file shorter than its header page for a new, empty database (and writes one over it), and reads a
    /// file cut in the middle of a page without complaint: either way the host would start from a state it does not
    /// have, and send again what was delivered.
    /// </remarks>
    // No file, or an empty one with an empty log: a first start killed before LiteDB wrote its header page left
    // nothing that was ever committed (every commit goes to the log, after the header).
    private static bool IsNew(string path)
    {
        var data = new FileInfo(path);
        var log = new FileInfo(LiteDbFiles.LogPathOf(path));
        return !data.Exists || (data.Length == 0 && (!log.Exists || log.Length == 0));
    }

    private static void CheckFileShape(string path)
    {
        const int pageSize = 8192;
        const int signatureOffset = 32;
        ReadOnlySpan<byte> signature = "** This is a LiteDB file **"u8;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (file.Length == 0 || file.Length % pageSize != 0)
            {
                throw Unreadable(path, new InvalidDataException(
                    $"the file is {file.Length:N0} bytes long, not a whole number of {pageSize:N0}-byte pages (truncated or not a LiteDB file)"));
            }

            Span<byte> header = stackalloc byte[signatureOffset + signature.Length];
            file.ReadExactly(header);
            if (!header[signatureOffset..].SequenceEqual(signature))
            {
                throw Unreadable(path, new InvalidDataException("the file does not start with a LiteDB header"));
            }
        }
        catch (IOException ex) when (IsSharingViolation(ex))
        {
            throw Locked(path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, ex);
        }
    }

    private static BsonMapper CreateMapper()
    {
        return new BsonMapper
        {
            // The defaults trim strings and turn "" into null; cursors and texts must round-trip exactly.
            TrimWhitespace = false,
            EmptyStringToNull = false,
            SerializeNullValues = false,
            EnumAsInteger = true,
        };
    }

    private static FileStream Lock(string directory, string databasePath)
    {
        var lockPath = Path.Combine(directory, LockFileName);
        var lockOptions = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            // FileShare.None is an exclusive flock on Unix and a sharing lock on Windows; either way the OS releases
            // it when the process dies, so a crash never leaves a stale lock behind.
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            lockOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            return new FileStream(lockPath, lockOptions);
        }
        catch (IOException ex) when (IsSharingViolation(ex))
        {
            throw Locked(databasePath, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException($"The data folder {directory} is not writable by this user: {ex.Message}", ex);
        }
    }

    private static void CreateOwnerOnlyDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static bool IsSharingViolation(IOException ex)
    {
        // Windows reports ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION; on Unix .NET emulates FileShare with an
        // advisory lock and reports EWOULDBLOCK with this message.
        const int sharingViolation = unchecked((int)0x80070020);
        const int lockViolation = unchecked((int)0x80070021);
        return ex.HResult is sharingViolation or lockViolation
               || (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
               && ex.Message.Contains("being used by another process", StringComparison.OrdinalIgnoreCase);
    }

    private static StorageException Locked(string path, Exception inner) =>
        new(
            $"The state database {path} is in use by another process (a running connector-host service?). " +
            "Stop that process, or run this command against the running service (it answers on host.controlUrl).",
            inner)
        {
            IsLocked = true,
        };

    private static StorageException Unreadable(string path, Exception inner) =>
        new(
            $"The state database {path} cannot be read: {inner.Message}. ConnectorHost will not start from an empty " +
            "state on its own, because that would send every item again. To recover: stop the service, move the file " +
            "aside and restore it from a backup. See README, \"Recovering the state database\".",
            inner);
}
