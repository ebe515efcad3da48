namespace ConnectorHost.Cli;

/// <summary>The exit codes of <c>connector-host</c> (documented in the README).</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A run failed, or the host could not do its work (MemorySync unreachable, state database unusable, the connector busy).</summary>
    public const int Failed = 1;

    /// <summary>plugins.json is wrong (or a verb names a connector it does not have); nothing was started or written.</summary>
    public const int BadConfig = 2;

    /// <summary>A plugin is missing, refused or broken (for <c>plugins</c>: any plugin; for <c>sync</c>: the connector's).</summary>
    public const int PluginProblem = 3;
}

/// <summary>Ends a verb with an exit code and a message for standard error.</summary>
internal sealed class CliExitException : Exception
{
    public CliExitException(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliExitException()
    {
    }

    public CliExitException(string message)
        : base(message)
    {
    }

    public CliExitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failed;
}
