using System.Text.Json;
using LiteDB;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Idempotency;
using MemorySync.Emulator.Memories;
using MemorySync.Emulator.Webhooks;

namespace MemorySync.Emulator.Persistence;

/// <summary>State in one LiteDB file (<c>--data-file</c>), mapped by hand so the file format is explicit.</summary>
internal sealed class LiteDbPersistence : IStatePersistence
{
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _memories;
    private readonly ILiteCollection<BsonDocument> _idempotency;
    private readonly ILiteCollection<BsonDocument> _webhooks;

    public LiteDbPersistence(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        _memories = _database.GetCollection("memories");
        _idempotency = _database.GetCollection("idempotency");
        _webhooks = _database.GetCollection("webhooks");
    }

    public IReadOnlyList<StoredMemory> LoadMemories() => [.. _memories.FindAll().Select(ToMemory)];

    public void SaveMemories(IReadOnlyList<StoredMemory> memories) => _memories.Upsert(memories.Select(FromMemory));

    public IReadOnlyList<IdempotencyRecord> LoadIdempotency() =>
    [
        .. _idempotency.FindAll().Select(doc => new IdempotencyRecord(
            doc["_id"].AsString,
            new UInt128((ulong)doc["hash_hi"].AsInt64, (ulong)doc["hash_lo"].AsInt64),
            doc["status"].AsInt32,
            doc["body"].AsBinary,
            ToTime(doc["created"]))),
    ];

    public void SaveIdempotency(IdempotencyRecord record) => _idempotency.Upsert(new BsonDocument
    {
        ["_id"] = record.Key,
        ["hash_hi"] = (long)(ulong)(record.BodyHash >> 64),
        ["hash_lo"] = (long)(ulong)record.BodyHash,
        ["status"] = record.Status,
        ["body"] = record.Body,
        ["created"] = record.CreatedAt.UtcTicks,
    });

    public void DeleteIdempotency(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            _idempotency.Delete(key);
        }
    }

    public IReadOnlyList<Webhook> LoadWebhooks() =>
    [
        .. _webhooks.FindAll().Select(doc => new Webhook
        {
            Id = doc["_id"].AsString,
            Name = doc["name"].AsString,
            Url = new Uri(doc["url"].AsString),
            Events = [.. doc["events"].AsArray.Select(e => e.AsString)],
            Secret = doc["secret"].AsString,
            AuthHeaderName = NullableString(doc["auth_header_name"]),
            AuthHeaderValue = NullableString(doc["auth_header_value"]),
            Signature = new WebhookSignatureOptions
            {
                Header = doc["sig_header"].AsString,
                Algorithm = doc["sig_algorithm"].AsString,
                Encoding = doc["sig_encoding"].AsString,
                Prefix = NullableString(doc["sig_prefix"]),
            },
            Description = NullableString(doc["description"]),
            ProjectId = NullableString(doc["project_id"]),
            MaxAttempts = doc["max_attempts"].IsNull ? null : doc["max_attempts"].AsInt32,
            CreatedAt = ToTime(doc["created"]),
        }),
    ];

    public void SaveWebhook(Webhook webhook) => _webhooks.Upsert(new BsonDocument
    {
        ["_id"] = webhook.Id,
        ["name"] = webhook.Name,
        ["url"] = webhook.Url.ToString(),
        ["events"] = new BsonArray(webhook.Events.Select(e => new BsonValue(e))),
        ["secret"] = webhook.Secret,
        ["auth_header_name"] = webhook.AuthHeaderName,
        ["auth_header_value"] = webhook.AuthHeaderValue,
        ["sig_header"] = webhook.Signature.Header,
        ["sig_algorithm"] = webhook.Signature.Algorithm,
        ["sig_encoding"] = webhook.Signature.Encoding,
        ["sig_prefix"] = webhook.Signature.Prefix,
        ["description"] = webhook.Description,
        ["project_id"] = webhook.ProjectId,
        ["max_attempts"] = webhook.MaxAttempts is { } attempts ? new BsonValue(attempts) : BsonValue.Null,
        ["created"] = webhook.CreatedAt.UtcTicks,
    });

    public void DeleteWebhook(string id) => _webhooks.Delete(id);

    public void Clear()
    {
        _memories.DeleteAll();
        _idempotency.DeleteAll();
        _webhooks.DeleteAll();
        _database.Checkpoint();
    }

    public void Dispose() => _database.Dispose();

    private static BsonDocument FromMemory(StoredMemory memory) => new()
    {
        ["_id"] = memory.Id,
        ["end_user"] = memory.EndUserId,
        ["text"] = memory.Text,
        ["source"] = memory.Source,
        ["event_type"] = memory.EventType,
        ["tags"] = new BsonArray(memory.Tags.Select(tag => new BsonValue(tag))),
        ["importance"] = memory.Importance,
        ["metadata"] = memory.Metadata.GetRawText(),
        ["created"] = memory.CreatedAt.UtcTicks,
        ["updated"] = memory.UpdatedAt.UtcTicks,
        ["expires"] = memory.ExpiresAt is { } expires ? new BsonValue(expires.UtcTicks) : BsonValue.Null,
        ["deleted"] = memory.DeletedAt is { } deleted ? new BsonValue(deleted.UtcTicks) : BsonValue.Null,
        ["hash_hi"] = (long)(ulong)(memory.InputHash >> 64),
        ["hash_lo"] = (long)(ulong)memory.InputHash,
    };

    private static StoredMemory ToMemory(BsonDocument doc)
    {
        using var metadata = JsonDocument.Parse(doc["metadata"].AsString);
        return new StoredMemory
        {
            Id = doc["_id"].AsInt64,
            EndUserId = doc["end_user"].AsString,
            Text = doc["text"].AsString,
            Source = NullableString(doc["source"]),
            EventType = NullableString(doc["event_type"]),
            Tags = [.. doc["tags"].AsArray.Select(tag => tag.AsString)],
            Importance = doc["importance"].AsDouble,
            Metadata = metadata.RootElement.Clone(),
            CreatedAt = ToTime(doc["created"]),
            UpdatedAt = ToTime(doc["updated"]),
            ExpiresAt = doc["expires"].IsNull ? null : ToTime(doc["expires"]),
            DeletedAt = doc["deleted"].IsNull ? null : ToTime(doc["deleted"]),
            InputHash = new UInt128((ulong)doc["hash_hi"].AsInt64, (ulong)doc["hash_lo"].AsInt64),
        };
    }

    private static DateTimeOffset ToTime(BsonValue ticks) => new(ticks.AsInt64, TimeSpan.Zero);

    private static string? NullableString(BsonValue value) => value.IsNull ? null : value.AsString;
}
