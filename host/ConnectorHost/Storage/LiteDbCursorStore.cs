using ConnectorHost.Abstractions;

namespace ConnectorHost.Storage;

/// <summary><see cref="ICursorStore"/> on the state database: one document per connector with its recent history.</summary>
internal sealed class LiteDbCursorStore(StateDatabase database, StorageOptions options, TimeProvider time) : ICursorStore
{
    public ValueTask<StoredCursor?> LoadAsync(string connectorName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var document = database.Cursors.FindById(connectorName);
        return ValueTask.FromResult(document?.Value is null ? null : ToStored(document.Value, document.Revision, document.CommittedAt, document.Position));
    }

    public ValueTask<StoredCursor> CommitAsync(
        string connectorName, string cursor, DateTimeOffset? position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = database.Write(() => Commit(connectorName, cursor, position));
        return ValueTask.FromResult(stored);
    }

    public ValueTask<IReadOnlyList<StoredCursor>> GetHistoryAsync(string connectorName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var document = database.Cursors.FindById(connectorName);
        if (document is null)
        {
            return ValueTask.FromResult<IReadOnlyList<StoredCursor>>([]);
        }

        var list = new List<StoredCursor>();
        if (document.Value is not null)
        {
            list.Add(ToStored(document.Value, document.Revision, document.CommittedAt, document.Position));
        }

        list.AddRange(document.History
            .Where(h => h.Value is not null)
            .Select(h => ToStored(h.Value!, h.Revision, h.CommittedAt, h.Position)));
        return ValueTask.FromResult<IReadOnlyList<StoredCursor>>(list);
    }

    public ValueTask ResetAsync(string connectorName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        database.Write(() =>
        {
            var document = database.Cursors.FindById(connectorName);
            if (document?.Value is null)
            {
                return;
            }

            PushHistory(document);
            document.Value = null;
            document.Position = null;
            document.Revision++;
            document.CommittedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            database.Cursors.Upsert(document);
        });
        return ValueTask.CompletedTask;
    }

    /// <summary>Commits inside the caller's transaction (the delivery pipeline commits with other changes).</summary>
    internal StoredCursor Commit(string connectorName, string cursor, DateTimeOffset? position)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var document = database.Cursors.FindById(connectorName) ?? new CursorDocument { Connector = connectorName };
        if (document.Value is not null)
        {
            PushHistory(document);
        }

        document.Value = cursor;
        document.Revision++;
        document.CommittedAt = now;
        document.Position = position?.ToUnixTimeMilliseconds();
        database.Cursors.Upsert(document);
        return ToStored(cursor, document.Revision, now, document.Position);
    }

    private void PushHistory(CursorDocument document)
    {
        document.History.Insert(0, new CursorHistoryDocument
        {
            Value = document.Value,
            Revision = document.Revision,
            CommittedAt = document.CommittedAt,
            Position = document.Position,
        });
        if (document.History.Count > options.CursorHistoryLimit)
        {
            document.History.RemoveRange(options.CursorHistoryLimit, document.History.Count - options.CursorHistoryLimit);
        }
    }

    private static StoredCursor ToStored(string value, long revision, long committedAt, long? position) =>
        new(
            value,
            revision,
            DateTimeOffset.FromUnixTimeMilliseconds(committedAt),
            position is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(position.Value));
}
