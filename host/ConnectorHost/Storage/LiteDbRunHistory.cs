namespace ConnectorHost.Storage;

/// <summary><see cref="IRunHistory"/> on the state database, trimmed to the configured number of runs per connector.</summary>
internal sealed class LiteDbRunHistory(StateDatabase database, StorageOptions options) : IRunHistory
{
    public void Save(RunDocument run)
    {
        database.Write(() =>
        {
            database.Runs.Upsert(run);
            if (run.EndedAt is null)
            {
                return;
            }

            var surplus = database.Runs.Count(x => x.Connector == run.Connector) - options.RunHistoryLimit;
            if (surplus <= 0)
            {
                return;
            }

            var oldest = database.Runs.Find(x => x.Connector == run.Connector)
                .OrderBy(x => x.StartedAt)
                .Take(surplus)
                .Select(x => x.RunId)
                .ToList();
            foreach (var id in oldest)
            {
                database.Runs.Delete(id);
            }
        });
    }

    public RunDocument? Find(string runId) => database.Runs.FindById(runId);

    public IReadOnlyList<RunDocument> Recent(string connector, int count) =>
        database.Runs.Find(x => x.Connector == connector)
            .OrderByDescending(x => x.StartedAt)
            .Take(count)
            .ToList();

    public int MarkInterrupted(long now)
    {
        return database.Write(() =>
        {
            var running = database.Runs.Find(x => x.EndedAt == null).ToList();
            foreach (var run in running)
            {
                run.EndedAt = now;
                run.Outcome = RunOutcomes.Interrupted;
                run.Error ??= "the process stopped during the run (crash or kill); nothing past the last committed cursor was lost";
                database.Runs.Update(run);
            }

            return running.Count;
        });
    }

    public ConnectorStateDocument GetState(string connector) =>
        database.ConnectorStates.FindById(connector) ?? new ConnectorStateDocument { Connector = connector };

    public void SaveState(ConnectorStateDocument state) => database.Write(() => database.ConnectorStates.Upsert(state));
}

/// <summary>The outcomes a run ends with.</summary>
internal static class RunOutcomes
{
    public const string Running = "Running";

    /// <summary>Everything read was delivered (or deliberately skipped) and the cursor moved.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The run finished but some items went to dead letters or the pruning guard refused.</summary>
    public const string CompletedWithWarnings = "CompletedWithWarnings";

    public const string Failed = "Failed";

    /// <summary>MemorySync asked to wait longer than the client waits by itself; the cursor stayed.</summary>
    public const string RateLimited = "RateLimited";

    /// <summary>Stopped by shutdown or an operator; acknowledged work was kept.</summary>
    public const string Cancelled = "Cancelled";

    /// <summary>The connector ignored cancellation past the grace period and was left behind.</summary>
    public const string Abandoned = "Abandoned";

    /// <summary>The process died during the run.</summary>
    public const string Interrupted = "Interrupted";

    public const string TimedOut = "TimedOut";
}
