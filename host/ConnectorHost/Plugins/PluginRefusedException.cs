namespace ConnectorHost.Plugins;

/// <summary>
/// Thrown by the steps of loading a plugin folder when the folder cannot become <see cref="PluginStatus.Active"/>;
/// the catalog catches it at the folder's boundary and records the status and reason.
/// </summary>
internal sealed class PluginRefusedException : Exception
{
    public PluginRefusedException(PluginStatus status, string reason, Exception? innerException = null)
        : base(reason, innerException)
    {
        Status = status;
    }

    public PluginStatus Status { get; }

    public static PluginRefusedException NotSupported(string reason) => new(PluginStatus.NotSupported, reason);

    public static PluginRefusedException Malfunctioned(string reason, Exception? innerException = null) =>
        new(PluginStatus.Malfunctioned, reason, innerException);
}
