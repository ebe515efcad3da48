using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConnectorHost.Delivery;

/// <summary>
/// Named points of the delivery path where the crash-consistency tests kill the process (SIGKILL to itself), so that
/// every dangerous instant is proven safe, deterministically. Inert unless <c>CONNECTOR_HOST_KILL_AT</c> is set, e.g.
/// <c>answered:3</c> (the third time a bulk answer arrives, before it is applied).
/// </summary>
internal static class KillPoints
{
    public const string EnvironmentVariable = "CONNECTOR_HOST_KILL_AT";

    /// <summary>A change was read from the connector.</summary>
    public const string Read = "read";

    /// <summary>A request was written to the outbox and not yet sent.</summary>
    public const string IntentWritten = "intent-written";

    /// <summary>MemorySync answered a bulk add and the answer is not yet applied to the ledger.</summary>
    public const string Answered = "answered";

    /// <summary>A checkpoint is about to be committed.</summary>
    public const string BeforeCursorCommit = "before-cursor-commit";

    /// <summary>A checkpoint was just committed.</summary>
    public const string AfterCursorCommit = "after-cursor-commit";

    /// <summary>Pruning is about to forget an item.</summary>
    public const string Pruning = "pruning";

    private static readonly (string Point, int Count)? s_target = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));
    private static readonly ConcurrentDictionary<string, int> s_counts = new(StringComparer.Ordinal);

    public static void Reached(string point)
    {
        if (s_target is not { } target || target.Point != point)
        {
            return;
        }

        if (s_counts.AddOrUpdate(point, 1, (_, n) => n + 1) == target.Count)
        {
            Process.GetCurrentProcess().Kill();
        }
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Split(':', 2);
        return (parts[0].Trim(), parts.Length == 2 && int.TryParse(parts[1], out var n) && n > 0 ? n : 1);
    }
}
