using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Tests.Support;

/// <summary>
/// A connector over an in-memory source the test edits between runs. Cursor = the number of changes yielded so far;
/// a run resumes after that many. Yields upserts for <see cref="Items"/>, then <see cref="Deletes"/>, checkpointing
/// every <see cref="CheckpointEvery"/> changes and at the end.
/// </summary>
internal sealed class ListConnector : IConnector, IFullListing
{
    public List<SourceItem> Items { get; } = [];

    public List<string> Deletes { get; } = [];

    public List<Skip> Skips { get; } = [];

    public int CheckpointEvery { get; set; } = 10;

    /// <summary>Throw after yielding this many changes in a run.</summary>
    public int? FailAfter { get; set; }

    /// <summary>After yielding this many changes, wait forever, ignoring cancellation.</summary>
    public int? HangAfter { get; set; }

    /// <summary>When set, the listing returns these ids instead of the items' ids.</summary>
    public List<string>? Listing { get; set; }

    public TimeSpan PruneInterval { get; set; } = TimeSpan.Zero;

    public string? RequestPruningReason { get; set; }

    public List<ReadRequest> Requests { get; } = [];

    /// <summary>Called with a checkpoint's cursor once the reader has taken it and asks for the next change.</summary>
    public Action<string>? CheckpointTaken { get; set; }

    /// <summary>Runs before the first change is yielded.</summary>
    public Func<ReadRequest, Task>? BeforeChanges { get; set; }

    /// <summary>Runs after the last change is yielded, before the final checkpoint.</summary>
    public Func<ReadRequest, Task>? AfterChanges { get; set; }

    /// <summary>Completes when the connector reaches its hang point.</summary>
    public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// When set, each run reports the listing (<see cref="Listing"/>, or the items' ids) through
    /// <see cref="ReadRequest.Listing"/> before its first change: <see langword="true"/> completes it,
    /// <see langword="false"/> leaves it incomplete.
    /// </summary>
    public bool? ReportsListing { get; set; }

    /// <summary>How many times the host asked for the listing.</summary>
    public int ListingCalls { get; private set; }

    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Requests.Add(request);
        if (RequestPruningReason is { } reason)
        {
            request.RequestPruning(reason);
        }

        if (BeforeChanges is { } before)
        {
            await before(request);
        }

        if (ReportsListing is { } complete && request.Listing is { } runListing)
        {
            foreach (var id in Listing ?? Items.Select(i => i.NativeId).ToList())
            {
                runListing.Add(id);
            }

            if (complete)
            {
                runListing.Complete();
            }
        }

        var changes = new List<SourceChange>();
        changes.AddRange(Items.Select(i => new Upsert(i)));
        changes.AddRange(Skips);
        changes.AddRange(Deletes.Select(d => new Delete(d)));
        var start = request.Cursor is null ? 0 : int.Parse(request.Cursor, System.Globalization.CultureInfo.InvariantCulture);
        var yielded = 0;
        for (var i = start; i < changes.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (FailAfter == yielded)
            {
                throw new InvalidOperationException($"source failed after {yielded} changes");
            }

            if (HangAfter == yielded)
            {
                Hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }

            yield return changes[i];
            yielded++;
            if ((i + 1) % CheckpointEvery == 0)
            {
                var cursor = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                yield return new Checkpoint(cursor);
                CheckpointTaken?.Invoke(cursor);
            }

            await Task.Yield();
        }

        if (AfterChanges is { } after)
        {
            await after(request);
        }

        yield return new Checkpoint(changes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async IAsyncEnumerable<string> ListNativeIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ListingCalls++;
        foreach (var id in Listing ?? Items.Select(i => i.NativeId).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return id;
            await Task.Yield();
        }
    }

    public static SourceItem Item(string id, string version = "1", string? text = null, string? title = null) =>
        new()
        {
            NativeId = id,
            Version = version,
            Title = title ?? $"Page {id}",
            Text = text ?? $"The content of page {id} at version {version}, long enough for MemorySync.",
            Tags = ["test"],
        };
}
