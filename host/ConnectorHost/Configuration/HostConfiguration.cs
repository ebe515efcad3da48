using System.Text.Json;
using ConnectorHost.MemorySync;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Configuration;

/// <summary>
/// Everything <c>plugins.json</c> says, checked and resolved: absolute directories, parsed durations and time zones,
/// secrets substituted. Built by <see cref="ConfigurationLoader.Load"/>; connector settings are bound to their plugins'
/// options types afterwards by <see cref="ConfigurationLoader.BindConnectorSettings"/>.
/// </summary>
internal sealed class HostConfiguration
{
    /// <summary>The absolute path of the configuration file.</summary>
    public required string FilePath { get; init; }

    /// <summary>The file as the operator named it, for messages (<c>plugins.json</c>, <c>/etc/connector-host/plugins.json</c>).</summary>
    public required string DisplayPath { get; init; }

    /// <summary>The <c>host</c> section.</summary>
    public HostSection Host { get; init; } = new();

    /// <summary>The <c>memorySync</c> section.</summary>
    public MemorySyncSection MemorySync { get; init; } = new();

    /// <summary>The <c>delivery</c> section.</summary>
    public DeliverySection Delivery { get; init; } = new();

    /// <summary>The <c>plugins</c> section: policies by plugin id (ordinal, as plugin ids are).</summary>
    public IReadOnlyDictionary<string, PluginPolicy> Plugins { get; init; } =
        new Dictionary<string, PluginPolicy>(StringComparer.Ordinal);

    /// <summary>The <c>connectors</c> section, in file order.</summary>
    public IReadOnlyList<ConnectorConfiguration> Connectors { get; init; } = [];

    /// <summary>Every secret the file resolved or declared; logging and status output redact through it.</summary>
    public SecretRegistry Secrets { get; init; } = new();

    /// <summary>What works but deserves attention; the host logs these at start.</summary>
    public IReadOnlyList<ConfigurationWarning> Warnings => _warnings;

    /// <summary>The file's Unix permissions when it was read; <see langword="null"/> on Windows.</summary>
    internal UnixFileMode? FileMode { get; init; }

    internal void AddWarning(ConfigurationWarning warning) => _warnings.Add(warning);

    private readonly List<ConfigurationWarning> _warnings = [];
}

/// <summary>The <c>host</c> section.</summary>
internal sealed class HostSection
{
    /// <summary>Where plugin folders sit (absolute; written relative to the configuration file's folder).</summary>
    public string PluginsDirectory { get; init; } = "plugins";

    /// <summary>Where cursors, the ledger and the intent log live (absolute).</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Where log files go (absolute).</summary>
    public string LogDirectory { get; init; } = "logs";

    /// <summary>The status/control endpoint the CLI talks to; loopback unless <see cref="AllowRemoteControl"/>.</summary>
    public Uri ControlUrl { get; init; } = new("http://127.0.0.1:5817");

    /// <summary>Whether <see cref="ControlUrl"/> may listen on a non-loopback address.</summary>
    public bool AllowRemoteControl { get; init; }

    /// <summary>How long a stopping host waits for running connectors to finish.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The minimum level written to the logs.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}

/// <summary>
/// The <c>memorySync</c> section. Mirrors the MemorySync client's options (BaseUrl, ApiKey, ProjectId, Tier, Limits,
/// RequestTimeout) so that it maps member for member.
/// </summary>
internal sealed class MemorySyncSection
{
    /// <summary>The MemorySync API address.</summary>
    public Uri BaseUrl { get; init; } = new("https://api.memorysync.io");

    /// <summary>The API key (resolved from its reference); never logged.</summary>
    public string ApiKey { get; init; } = "";

    /// <summary>The project (<c>X-Project-ID</c>), or <see langword="null"/> for the key's default project.</summary>
    public string? ProjectId { get; init; }

    /// <summary>The account's tier, which sets the default rate limits.</summary>
    public MemorySyncTier Tier { get; init; } = MemorySyncTier.Pro;

    /// <summary>Limits that replace the tier's, window by window, or <see langword="null"/> for the tier's own.</summary>
    public MemorySyncLimits? Limits { get; init; }

    /// <summary>How long one request to MemorySync may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The <c>delivery</c> section.</summary>
internal sealed class DeliverySection
{
    /// <summary>Items per bulk request, 1 to 50 (MemorySync's maximum).</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Bulk requests in flight at once, across connectors.</summary>
    public int MaxConcurrentBatches { get; init; } = 4;

    /// <summary>The <c>deduplicate</c> flag sent to MemorySync (the host already deduplicates by native id).</summary>
    public bool Deduplicate { get; init; }

    /// <summary>The longest memory text sent, in characters; a longer item goes to dead letters.</summary>
    public int MaxTextLength { get; init; } = 262_144;
}

/// <summary>An entry of the <c>plugins</c> section: what the operator allows a plugin.</summary>
internal sealed class PluginPolicy
{
    /// <summary>Whether the plugin may load at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The expected SHA-256 of the plugin's main assembly (lower-case hex), or <see langword="null"/> for any.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>What to do when the host was down (or busy) at a fire time.</summary>
internal enum MisfirePolicy
{
    /// <summary>Wait for the next fire time.</summary>
    Skip,

    /// <summary>Run once as soon as possible, then keep the schedule.</summary>
    FireNow,
}

/// <summary>Whether a connector's plugin can run it; decided by <see cref="ConfigurationLoader.BindConnectorSettings"/>.</summary>
internal enum ConnectorAvailability
{
    /// <summary>Settings not bound yet (stage 1 only), or the connector is disabled.</summary>
    NotBound,

    /// <summary>The plugin is available and the settings are bound and valid.</summary>
    Available,

    /// <summary>The plugin is present but refused or broken; the host runs the other connectors.</summary>
    Unavailable,
}

/// <summary>An entry of the <c>connectors</c> section: one connector instance.</summary>
internal sealed class ConnectorConfiguration
{
    /// <summary>Where the entry is in the file: <c>$.connectors[2]</c>.</summary>
    public required string JsonPath { get; init; }

    /// <summary>The instance name: lower-case letters, digits, '-', '_' and '.', at most 64 characters, unique.</summary>
    public required string Name { get; init; }

    /// <summary>The plugin id (e.g. <c>Confluence</c>).</summary>
    public required string Plugin { get; init; }

    /// <summary>The Quartz cron expression (seconds first), or <see langword="null"/> for manual runs only.</summary>
    public string? Schedule { get; init; }

    /// <summary>The time zone the schedule is read in.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>What to do about fire times missed while the host was down.</summary>
    public MisfirePolicy MisfirePolicy { get; init; } = MisfirePolicy.Skip;

    /// <summary>The MemorySync end user the memories belong to.</summary>
    public required string EndUserId { get; init; }

    /// <summary>Whether the instance runs at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Whether to run once when the host starts, whatever the schedule.</summary>
    public bool RunOnStartup { get; init; }

    /// <summary>The time budget of one run, or <see langword="null"/> for none.</summary>
    public TimeSpan? RunTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often to prune; <see langword="null"/> takes the plugin's own interval.</summary>
    public TimeSpan? PruneInterval { get; init; }

    /// <summary>The largest share (percent) of delivered items one pruning may forget without an explicit flag.</summary>
    public int MaxDeletePercent { get; init; } = 20;

    /// <summary>The raw <c>settings</c> object with secret references resolved.</summary>
    public JsonElement Settings { get; init; } = s_emptySettings;

    /// <summary>The settings bound to the plugin's options type, once <see cref="ConfigurationLoader.BindConnectorSettings"/> ran.</summary>
    public object? Options { get; set; }

    /// <summary>Whether the plugin can run this connector, once <see cref="ConfigurationLoader.BindConnectorSettings"/> ran.</summary>
    public ConnectorAvailability Availability { get; set; }

    /// <summary>Why the connector is <see cref="ConnectorAvailability.Unavailable"/>, for status output.</summary>
    public string? UnavailableReason { get; set; }

    /// <summary>The JSON paths of settings strings that held a secret reference (to tell inline secrets apart).</summary>
    internal IReadOnlySet<string> SecretReferencePaths { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    private static readonly JsonElement s_emptySettings = JsonDocument.Parse("{}").RootElement.Clone();
}
