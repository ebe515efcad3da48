namespace ConnectorHost.Plugins;

/// <summary>A plugin cannot serve a connector instance; the message says why, for a person.</summary>
public sealed class PluginException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PluginException()
        : this("The plugin failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public PluginException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public PluginException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The id of the plugin, when known.</summary>
    public string? PluginId { get; init; }

    /// <summary>The plugin's folder name.</summary>
    public string? PluginFolder { get; init; }
}
