using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHost.Abstractions;

namespace ConnectorHost.TestPlugins.ScriptedSource;

/// <summary>
/// Replays the script at <see cref="ScriptedSourceOptions.ScriptPath"/>. The cursor is the number of changes (items,
/// skips, deletes; checkpoints do not count) from the start of the script that were yielded before the checkpoint,
/// so a run resumed from cursor "N" starts at change N + 1.
/// </summary>
internal sealed class ScriptedConnector(ScriptedSourceOptions options, TimeProvider timeProvider)
    : IConnector, IFullListing, IConnectionCheck
{
    public TimeSpan PruneInterval => options.PruneInterval;

    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await RecordRunAsync(request, cancellationToken);
        var script = await Script.ReadAsync(options.ScriptPath, cancellationToken);
        if (script.RequestPruning is { } reason)
        {
            request.RequestPruning(reason);
        }

        var changes = script.Changes();
        var position = Math.Min(ParseCursor(request.Cursor), changes.Count);
        var yielded = 0;
        var lastCheckpoint = -1;
        ThrowIfFailureDue(script, yielded);
        while (position < changes.Count)
        {
            if (script.DelayMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(script.DelayMs), timeProvider, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return changes[position];
            position++;
            yielded++;
            if (script.CheckpointEvery > 0 && position % script.CheckpointEvery == 0)
            {
                yield return Checkpoint(position);
                lastCheckpoint = position;
            }

            ThrowIfFailureDue(script, yielded);
        }

        if (lastCheckpoint != position)
        {
            yield return Checkpoint(position);
        }
    }

    public async IAsyncEnumerable<string> ListNativeIdsAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var script = await Script.ReadAsync(options.ScriptPath, cancellationToken);
        foreach (var id in script.Listing ?? script.Items.Select(item => item.Id))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return id;
        }
    }

    public async Task CheckConnectionAsync(CancellationToken cancellationToken)
    {
        var script = await Script.ReadAsync(options.ScriptPath, cancellationToken);
        if (script.ConnectionError is { } message)
        {
            throw new ConnectorException(ConnectorErrorKind.Unavailable, message);
        }
    }

    private static Checkpoint Checkpoint(int position) =>
        new(position.ToString(CultureInfo.InvariantCulture));

    private static int ParseCursor(string? cursor)
    {
        if (cursor is null)
        {
            return 0;
        }

        return int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? position
            : throw new ConnectorException(
                ConnectorErrorKind.InvalidData,
                $"The cursor '{cursor}' is not a Scripted cursor (a number of changes).");
    }

    private static void ThrowIfFailureDue(Script script, int yielded)
    {
        if (script.FailAfter != yielded)
        {
            return;
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"scripted failure after {yielded} changes");
        throw script.FailKind is { } kind
            ? new ConnectorException(kind, message)
            : new InvalidOperationException(message);
    }

    private async Task RecordRunAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.Serialize(new RunRecord(request.RunId, request.Cursor, request.IsFullSync));
        await File.AppendAllTextAsync(options.ScriptPath + ".runs", line + "\n", cancellationToken);
    }

    private sealed record RunRecord(
        [property: JsonPropertyName("runId")] string RunId,
        [property: JsonPropertyName("cursor")] string? Cursor,
        [property: JsonPropertyName("isFullSync")] bool IsFullSync);
}
