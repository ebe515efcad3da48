using MemorySync.Emulator.Idempotency;
using MemorySync.Emulator.Memories;
using MemorySync.Emulator.Webhooks;

namespace MemorySync.Emulator.Persistence;

/// <summary>
/// Where state goes so that it survives a restart. The in-memory structures stay the source of truth while running;
/// every change is written through, and everything is read back once at start.
/// </summary>
internal interface IStatePersistence : IDisposable
{
    IReadOnlyList<StoredMemory> LoadMemories();

    void SaveMemories(IReadOnlyList<StoredMemory> memories);

    IReadOnlyList<IdempotencyRecord> LoadIdempotency();

    void SaveIdempotency(IdempotencyRecord record);

    void DeleteIdempotency(IReadOnlyList<string> keys);

    IReadOnlyList<Webhook> LoadWebhooks();

    void SaveWebhook(Webhook webhook);

    void DeleteWebhook(string id);

    void Clear();
}

/// <summary>The default: state lives in memory only.</summary>
internal sealed class InMemoryPersistence : IStatePersistence
{
    public IReadOnlyList<StoredMemory> LoadMemories() => [];

    public void SaveMemories(IReadOnlyList<StoredMemory> memories)
    {
    }

    public IReadOnlyList<IdempotencyRecord> LoadIdempotency() => [];

    public void SaveIdempotency(IdempotencyRecord record)
    {
    }

    public void DeleteIdempotency(IReadOnlyList<string> keys)
    {
    }

    public IReadOnlyList<Webhook> LoadWebhooks() => [];

    public void SaveWebhook(Webhook webhook)
    {
    }

    public void DeleteWebhook(string id)
    {
    }

    public void Clear()
    {
    }

    public void Dispose()
    {
    }
}
