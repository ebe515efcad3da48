using LiteDB;

namespace ConnectorHost.Storage;

// The shapes stored in the state database. Times are Unix milliseconds (UTC): LiteDB's DateTime round-trips through
// local time and loses the offset, longs do not. Property names are the stored field names; renaming one is a schema
// change (bump StateDatabase.SchemaVersion and migrate).

internal sealed class MetaDocument
{
    [BsonId]
    public string Id { get; set; } = "schema";

    public int SchemaVersion { get; set; }

    public long CreatedAt { get; set; }
}

internal sealed class CursorDocument
{
    [BsonId]
    public string Connector { get; set; } = "";

    /// <summary>The current cursor; null after a reset.</summary>
    public string? Value { get; set; }

    public long Revision { get; set; }

    public long CommittedAt { get; set; }

    public long? Position { get; set; }

    /// <summary>Earlier cursors, newest first, for rewinding.</summary>
    public List<CursorHistoryDocument> History { get; set; } = [];
}

internal sealed class CursorHistoryDocument
{
    public string? Value { get; set; }

    public long Revision { get; set; }

    public long CommittedAt { get; set; }

    public long? Position { get; set; }
}

internal enum LedgerState
{
    Delivered = 0,
    Skipped = 1,
}

internal sealed class LedgerDocument
{
    /// <summary>Connector name and native id, joined by <see cref="StateDatabase.KeySeparator"/>.</summary>
    [BsonId]
    public string Id { get; set; } = "";

    public string Connector { get; set; } = "";

    public string NativeId { get; set; } = "";

    public LedgerState State { get; set; }

    /// <summary>The version delivered; null when skipped.</summary>
    public string? Version { get; set; }

    public string? Fingerprint { get; set; }

    /// <summary>SHA-256 of the memory text sent (hex), to tell a text change from a label change.</summary>
    public string? ContentHash { get; set; }

    /// <summary>SHA-256 of the labels sent (source, event type, tags, metadata), to tell when a PATCH is needed.</summary>
    public string? LabelsHash { get; set; }

    /// <summary>Every memory id MemorySync returned for this version (several when it extracted several).</summary>
    public List<long> MemoryIds { get; set; } = [];

    /// <summary>Why MemorySync stored nothing (it answered "skipped"), or why the connector skipped the item.</summary>
    public string? Note { get; set; }

    public long RecordedAt { get; set; }
}

internal enum OutboxKind
{
    BulkAdd = 0,
    Forget = 1,
}

/// <summary>
/// An intent written before a request is sent and removed when its answer has been applied. After a crash it is
/// re-sent byte-identical with the same idempotency key.
/// </summary>
internal sealed class OutboxDocument
{
    [BsonId]
    public long Sequence { get; set; }

    public string Connector { get; set; } = "";

    public string EndUserId { get; set; } = "";

    public OutboxKind Kind { get; set; }

    public string IdempotencyKey { get; set; } = "";

    /// <summary>The exact request body.</summary>
    public byte[] Body { get; set; } = [];

    /// <summary>For a bulk add: what each item is, in request order.</summary>
    public List<OutboxItemDocument> Items { get; set; } = [];

    /// <summary>For a forget: the memory ids and the native ids they belonged to.</summary>
    public List<long> ForgetIds { get; set; } = [];

    public List<string> ForgetNativeIds { get; set; } = [];

    public long CreatedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}

internal sealed class OutboxItemDocument
{
    public string NativeId { get; set; } = "";

    public string Version { get; set; } = "";

    public string? Fingerprint { get; set; }

    public string ContentHash { get; set; } = "";

    public string LabelsHash { get; set; } = "";

    /// <summary>The memory ids of the version this one replaces, forgotten once it is stored.</summary>
    public List<long> ReplacesMemoryIds { get; set; } = [];

    /// <summary>
    /// The ledger held no entry for the item when the intent was written, so its entry is inserted without a lookup.
    /// A hint: were it wrong, the insert fails on the duplicate key and the answer is applied again with lookups.
    /// </summary>
    public bool NewToLedger { get; set; }

    /// <summary>
    /// The item alone as JSON (a bulk-add item). Left empty by the pipeline, whose intents carry each item's bytes once,
    /// in <see cref="OutboxDocument.Body"/>; a refused item's bytes are cut out of the body for its dead letter.
    /// </summary>
    public byte[] ItemJson { get; set; } = [];
}

/// <summary>An item MemorySync refused (or the host could not send); one per connector and native id.</summary>
internal sealed class DeadLetterDocument
{
    /// <summary>Connector name and native id, joined like ledger keys.</summary>
    [BsonId]
    public string Id { get; set; } = "";

    public string Connector { get; set; } = "";

    public string NativeId { get; set; } = "";

    public string Version { get; set; } = "";

    public string Reason { get; set; } = "";

    public int Attempts { get; set; }

    public long FirstFailedAt { get; set; }

    public long LastFailedAt { get; set; }

    public string? Fingerprint { get; set; }

    public string ContentHash { get; set; } = "";

    public string LabelsHash { get; set; } = "";

    public List<long> ReplacesMemoryIds { get; set; } = [];

    /// <summary>The memory as it was sent (a bulk-add item), re-sent by a retry.</summary>
    public byte[] ItemJson { get; set; } = [];
}

internal sealed class RunDocument
{
    [BsonId]
    public string RunId { get; set; } = "";

    public string Connector { get; set; } = "";

    public string Trigger { get; set; } = "";

    public bool FullSync { get; set; }

    public bool DryRun { get; set; }

    public long StartedAt { get; set; }

    public long? EndedAt { get; set; }

    public string Outcome { get; set; } = "";

    public string? Error { get; set; }

    public long? CursorRevisionBefore { get; set; }

    public long? CursorRevisionAfter { get; set; }

    public int Read { get; set; }

    public int Added { get; set; }

    public int Updated { get; set; }

    public int Relabeled { get; set; }

    public int Deleted { get; set; }

    public int Unchanged { get; set; }

    public int Skipped { get; set; }

    public int DeadLettered { get; set; }

    public int Pruned { get; set; }

    public string? PruneNote { get; set; }

    public List<string> SkipReasons { get; set; } = [];
}

internal sealed class ConnectorStateDocument
{
    [BsonId]
    public string Connector { get; set; } = "";

    public int ConsecutiveFailures { get; set; }

    public long? BackoffUntil { get; set; }

    public long? LastPrunedAt { get; set; }
}
