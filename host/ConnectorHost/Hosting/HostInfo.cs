using System.Reflection;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Hosting;

/// <summary>The host's own versions.</summary>
internal static class HostInfo
{
    /// <summary>The product version (informational version without build metadata).</summary>
    public static string ProductVersion { get; } =
        (typeof(HostInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    /// <summary>The version of the contract (ConnectorHost.Abstractions) this host provides to plugins.</summary>
    public static Version ContractVersion { get; } = typeof(IConnector).Assembly.GetName().Version ?? new Version(0, 0);

    public static string UserAgent => $"ConnectorHost/{ProductVersion}";
}
