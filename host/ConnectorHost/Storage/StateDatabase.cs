using System.Runtime.InteropServices;
using LiteDB;

namespace ConnectorHost.Storage;

/// <summary>
/// The appliance's one LiteDB file: cursors, the ledger, the outbox, dead letters, run history and connector state.
/// </summary>
/// <remarks>
/// Opened in Direct mode, which holds the file exclusively for the life of the process: a second process (the CLI
/// while the service runs) cannot open it and talks to the service's control endpoint instead. LiteDB writes through a
/// log file and recovers it on open, so a killed process loses nothing that was committed. Multi-step changes go
/// through <see cref="Write"/>, which makes them one transaction.
/// </remarks>
internal sealed class StateDatabase : IDisposable
{
    public const int SchemaVersion = 1;

    /// <summary>Separates the connector name from the native id in ledger keys (a character neither contains).</summary>
    public const char KeySeparator = '\u001f';

    private readonly LiteDatabase _db;
    private readonly Lock _writeGate = new();

    private StateDatabase(LiteDatabase db, string path)
    {
        _db = db;
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
        var isNew = !File.Exists(path);
        if (!isNew)
        {
            CheckFileShape(path);
        }

        LiteDatabase db;
        try
        {
            db = new LiteDatabase(
                new ConnectionString
                {
                    Filename = path,
                    Connection = ConnectionType.Direct,
                    // Never rebuild silently: a rebuilt file may have lost ledger entries, and a lost ledger entry
                    // means a duplicate in MemorySync.
                    AutoRebuild = false,
                },
                CreateMapper());
        }
        catch (IOException ex) when (IsSharingViolation(ex))
        {
            throw Locked(path, ex);
        }
        catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException or InvalidCastException
                                       or FormatException or ArgumentException or OverflowException)
        {
            throw Unreadable(path, ex);
        }

        try
        {
            RestrictToOwner(path);
            var store = new StateDatabase(db, path);
            store.Initialize(isNew, time);
            return store;
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidCastException or FormatException
                                       or ArgumentException or OverflowException or NullReferenceException)
        {
            db.Dispose();
            throw Unreadable(path, ex);
        }
        catch
        {
            db.Dispose();
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

    public void Dispose() => _db.Dispose();

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

        Ledger.EnsureIndex(x => x.Connector);
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
