namespace ConnectorHost.Storage;

/// <summary>Where the appliance keeps its state.</summary>
internal sealed class StorageOptions
{
    /// <summary>The file name of the state database inside the data folder.</summary>
    public const string DatabaseFileName = "connector-host.db";

    /// <summary>The data folder (absolute).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>How many runs per connector the run history keeps. Default 200.</summary>
    public int RunHistoryLimit { get; init; } = 200;

    /// <summary>How many earlier cursors per connector are kept for rewinding. Default 20.</summary>
    public int CursorHistoryLimit { get; init; } = 20;

    public string DatabasePath => Path.Combine(DataDirectory, DatabaseFileName);
}
