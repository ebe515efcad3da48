namespace ConnectorHost.Storage;

/// <summary>The record of every run (start, end, outcome, counts, cursor before and after, error) and per-connector state.</summary>
internal interface IRunHistory
{
    void Save(RunDocument run);

    RunDocument? Find(string runId);

    /// <summary>The most recent runs of a connector, newest first.</summary>
    IReadOnlyList<RunDocument> Recent(string connector, int count);

    /// <summary>Marks runs left "Running" by a process that died as Interrupted; returns how many.</summary>
    int MarkInterrupted(long now);

    ConnectorStateDocument GetState(string connector);

    void SaveState(ConnectorStateDocument state);
}
