using ConnectorHost.Plugins.Asana.Api;

namespace ConnectorHost.Plugins.Asana.Sync;

/// <summary>
/// What one run has handled so far, so that a task in several configured projects (or listed and then reported by an
/// event) is read and yielded once per version.
/// </summary>
/// <remarks>
/// Memory stays bounded: past <see cref="Capacity"/> tasks nothing more is remembered, and a task seen twice after that
/// is only read twice (the host skips a version it already has). Thread-safe: event re-reads claim concurrently.
/// </remarks>
internal sealed class RunState(IEnumerable<string> projectGids)
{
    public const int Capacity = 20_000;

    private readonly Lock _lock = new();
    private readonly HashSet<string> _projects = new(projectGids, StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset ModifiedAt, string Project)> _handled = new(StringComparer.Ordinal);

    /// <summary>Whether the task belongs to at least one project this run syncs.</summary>
    public bool IsInScope(AsanaTask task) => task.Memberships.Any(m => m.Project is { } p && _projects.Contains(p.Gid));

    /// <summary>
    /// Claims the task's current version for this run; <see langword="false"/> when it was already handled.
    /// </summary>
    /// <param name="task">The task as read.</param>
    /// <param name="projectGid">The project whose listing or events read it.</param>
    public bool TryClaim(AsanaTask task, string projectGid)
    {
        lock (_lock)
        {
            return TryClaimCore(task, projectGid);
        }
    }

    /// <summary>Whether this project's own listing read the task in this run (so its membership is current).</summary>
    public bool WasListedBy(string taskGid, string projectGid)
    {
        lock (_lock)
        {
            return _handled.TryGetValue(taskGid, out var handled) && handled.Project == projectGid;
        }
    }

    private bool TryClaimCore(AsanaTask task, string projectGid)
    {
        if (_handled.TryGetValue(task.Gid, out var handled) && handled.ModifiedAt == task.ModifiedAt)
        {
            return false;
        }

        if (_handled.Count < Capacity || _handled.ContainsKey(task.Gid))
        {
            _handled[task.Gid] = (task.ModifiedAt, projectGid);
        }

        return true;
    }
}
