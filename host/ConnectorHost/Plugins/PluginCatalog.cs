using System.Security.Cryptography;
using ConnectorHost.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins;

/// <summary>
/// The plugins of the plugins directory, loaded once at start-up, and the factory of connector instances' service
/// containers. A plugin that cannot load gets a status and a reason; it never stops the host or the other plugins.
/// </summary>
/// <remarks>
/// Each direct sub-folder of the plugins directory is one plugin. Before any of its code runs, the host checks that
/// its files stay inside the folder, reads its main assembly's metadata (id, version, contract version), refuses
/// duplicate ids, applies plugins.json (enabled, sha256 pin), checks contract compatibility and its deps.json; then it
/// loads the plugin into its own load context with McMaster.NETCore.Plugins, sharing only the contract and the
/// Microsoft.Extensions assemblies it exposes, and creates its registrar. Plugins are never unloaded: a change to a
/// plugin takes a restart.
/// </remarks>
public sealed class PluginCatalog : IDisposable
{
    private readonly ILogger _logger;
    private bool _disposed;

    private PluginCatalog(IReadOnlyList<LoadedPlugin> plugins, ILogger logger)
    {
        Plugins = plugins;
        _logger = logger;
    }

    /// <summary>Every plugin folder found, in folder-name order, whatever its status.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins { get; }

    /// <summary>Discovers, checks and loads the plugins. Never throws for a broken plugin.</summary>
    /// <param name="options">The plugins directory and the per-plugin policies of plugins.json.</param>
    /// <param name="logger">Receives one warning per plugin that is not Active or Disabled.</param>
    /// <returns>The catalog; dispose it when the host stops.</returns>
    public static PluginCatalog Load(PluginCatalogOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.PluginsDirectory);

        var directory = Path.GetFullPath(options.PluginsDirectory);
        var hostContract = options.HostContractVersion ?? typeof(IConnector).Assembly.GetName().Version!;
        var policies = new Dictionary<string, PluginPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, policy) in options.Policies)
        {
            if (!policies.TryAdd(id, policy))
            {
                throw new ArgumentException(
                    $"The policies name the plugin '{id}' twice (plugin ids are case-insensitive).", nameof(options));
            }
        }

        var candidates = Discover(directory, logger).Select(Inspect).ToList();
        RefuseDuplicateIds(candidates);
        var plugins = candidates.Select(candidate => Complete(candidate, policies, hostContract)).ToList();
        foreach (var plugin in plugins)
        {
            LogOutcome(logger, plugin);
        }

        return new PluginCatalog(plugins, logger);
    }

    /// <summary>Finds a plugin by id (case-insensitive), whatever its status.</summary>
    /// <param name="id">The plugin id, as in <c>connectors[].plugin</c>.</param>
    /// <returns>The plugin (for an id several folders declare, all refused, the first by folder name), or null.</returns>
    public LoadedPlugin? FindById(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Plugins.FirstOrDefault(plugin => string.Equals(plugin.Id, id, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Builds a connector instance's own service container: the host's services (<paramref name="addHostServices"/>)
    /// first, then the <see cref="ConnectorInstance"/>, the settings object as the plugin's
    /// <see cref="LoadedPlugin.OptionsType"/>, <c>AddHttpClient()</c>, then the registrar's
    /// <see cref="IConnectorPlugin.ConfigureServices"/>. The container is validated on build, must hold exactly one
    /// <see cref="IConnector"/>, and the connector is resolved once in a scope to prove it can be constructed.
    /// </summary>
    /// <param name="plugin">An Active plugin of this catalog.</param>
    /// <param name="instance">The connector instance.</param>
    /// <param name="settings">The instance's bound, validated settings, an instance of the plugin's OptionsType.</param>
    /// <param name="addHostServices">Adds the host's shared services (logging, TimeProvider, MemorySync client, ...).</param>
    /// <returns>The instance's services; dispose them when the instance stops.</returns>
    /// <exception cref="PluginException">
    /// The plugin is not Active, or failed here; in the second case it is now Malfunctioned and the reason says why.
    /// </exception>
    /// <exception cref="ArgumentException">The settings are not of the plugin's OptionsType.</exception>
    public async Task<ConnectorInstanceServices> CreateInstanceServicesAsync(
        LoadedPlugin plugin,
        ConnectorInstance instance,
        object settings,
        Action<IServiceCollection> addHostServices)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(addHostServices);
        ObjectDisposedException.ThrowIf(_disposed, this);

        if (plugin.Status != PluginStatus.Active || plugin.Registrar is not { } registrar || plugin.OptionsType is not { } optionsType)
        {
            throw CannotServe(plugin, instance, $"it is {plugin.Status}: {plugin.Reason}", innerException: null);
        }

        if (!optionsType.IsInstanceOfType(settings))
        {
            throw new ArgumentException(
                $"The settings of connector '{instance.Name}' are a {settings.GetType().FullName}, not the plugin's "
                + $"{optionsType.FullName}.",
                nameof(settings));
        }

        var services = new ServiceCollection();
        addHostServices(services);
        services.AddSingleton(instance);
        services.AddSingleton(optionsType, settings);
        services.AddHttpClient();

        ServiceProvider? provider = null;
        try
        {
            using var reflectionScope = plugin.EnterContextualReflection();
            Register(registrar, services, instance);
            EnsureOneConnector(registrar, services);
            provider = Build(services);
            await ProveConnectorConstructsAsync(provider);
            return new ConnectorInstanceServices(plugin, instance, provider);
        }
        catch (PluginRefusedException refusal)
        {
            if (provider is not null)
            {
                await DisposeQuietlyAsync(provider);
            }

            if (plugin.MarkMalfunctioned(refusal.Message))
            {
                LogOutcome(_logger, plugin);
            }

            throw CannotServe(plugin, instance, refusal.Message, refusal.InnerException);
        }
    }

    /// <summary>Releases the plugin loaders. Plugins are not unloaded: their assemblies stay until the process ends.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var plugin in Plugins)
        {
            plugin.Loader?.Dispose();
        }
    }

    private static List<string> Discover(string directory, ILogger logger)
    {
        if (!Directory.Exists(directory))
        {
            logger.LogWarning("The plugins directory {PluginsDirectory} does not exist; no plugins are loaded", directory);
            return [];
        }

        var folders = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            if (!Directory.Exists(entry))
            {
                logger.LogDebug("Ignoring {PluginsDirectoryEntry}: each plugin is a folder of the plugins directory", entry);
            }
            else if (Path.GetFileName(entry).StartsWith('.') || new DirectoryInfo(entry).Attributes.HasFlag(FileAttributes.Hidden))
            {
                logger.LogDebug("Ignoring the hidden folder {PluginsDirectoryEntry}", entry);
            }
            else
            {
                folders.Add(entry);
            }
        }

        return folders;
    }

    private static Candidate Inspect(string folder)
    {
        var candidate = new Candidate(folder);
        try
        {
            PluginFolderSafety.EnsureContained(folder);
            candidate.Metadata = PluginMetadataReader.Read(folder);
            candidate.Sha256 = Sha256Of(candidate.Metadata.AssemblyPath);
        }
        catch (PluginRefusedException refusal)
        {
            candidate.Refusal = refusal;
        }
#pragma warning disable CA1031 // A plugin folder's boundary: whatever fails (unreadable files, bad metadata) refuses this folder only.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            candidate.Refusal = PluginRefusedException.Malfunctioned(
                PluginFailures.Describe("reading the plugin folder", exception), exception);
        }

        return candidate;
    }

    private static void RefuseDuplicateIds(List<Candidate> candidates)
    {
        var duplicates = candidates
            .Where(candidate => candidate.Metadata is not null)
            .GroupBy(candidate => candidate.Metadata!.Id, StringComparer.OrdinalIgnoreCase)
            .Where(group => group.Count() > 1);
        foreach (var group in duplicates)
        {
            var folders = string.Join(", ", group.Select(candidate => Path.GetFileName(candidate.Directory)));
            foreach (var candidate in group)
            {
                candidate.Refusal ??= PluginRefusedException.NotSupported(
                    $"the plugin id '{group.Key}' is declared by several folders ({folders}); keep one and restart");
            }
        }
    }

    private static LoadedPlugin Complete(Candidate candidate, Dictionary<string, PluginPolicy> policies, Version hostContract)
    {
        var (folder, sha256) = (candidate.Directory, candidate.Sha256);
        if (candidate.Refusal is { } refusal)
        {
            return new LoadedPlugin(folder, candidate.Metadata, sha256, refusal.Status, refusal.Message);
        }

        var metadata = candidate.Metadata!;
        var policy = policies.GetValueOrDefault(metadata.Id);
        if (policy is { Enabled: false })
        {
            return new LoadedPlugin(folder, metadata, sha256, PluginStatus.Disabled, "disabled in plugins.json");
        }

        try
        {
            EnsurePinned(policy?.Sha256, sha256!, metadata);
            ContractCompatibility.Ensure(metadata, hostContract);
            PluginDependencies.Ensure(folder, metadata);
            var loaded = PluginLoading.Load(metadata);
            return new LoadedPlugin(folder, metadata, sha256, PluginStatus.Active, reason: null, loaded);
        }
        catch (PluginRefusedException refused)
        {
            return new LoadedPlugin(folder, metadata, sha256, refused.Status, refused.Message);
        }
#pragma warning disable CA1031 // A plugin folder's boundary: whatever fails refuses this plugin only.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new LoadedPlugin(
                folder, metadata, sha256, PluginStatus.Malfunctioned, PluginFailures.Describe("loading the plugin", exception));
        }
    }

    private static void EnsurePinned(string? pin, string actual, PluginMetadata metadata)
    {
        if (pin is null)
        {
            return;
        }

        var expected = pin.Trim();
        if (expected.Length != 64 || !expected.All(char.IsAsciiHexDigit))
        {
            throw PluginRefusedException.NotSupported(
                $"the sha256 pin of plugin '{metadata.Id}' in plugins.json is not a SHA-256 digest (64 hexadecimal digits)");
        }

        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw PluginRefusedException.NotSupported(
                $"{Path.GetFileName(metadata.AssemblyPath)} has SHA-256 {actual}, but plugins.json pins {expected}: "
                + "install the pinned build, or pin this one");
        }
    }

    private static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void Register(IConnectorPlugin registrar, ServiceCollection services, ConnectorInstance instance)
    {
        try
        {
            registrar.ConfigureServices(services, instance);
        }
#pragma warning disable CA1031 // ConfigureServices is plugin code: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe(
                    $"registering the services of connector '{instance.Name}' ({registrar.GetType().FullName}.ConfigureServices)",
                    exception),
                exception);
        }
    }

    private static void EnsureOneConnector(IConnectorPlugin registrar, ServiceCollection services)
    {
        var count = services.Count(d => d.ServiceType == typeof(IConnector) && !d.IsKeyedService);
        if (count != 1)
        {
            throw PluginRefusedException.Malfunctioned(
                $"{registrar.GetType().FullName}.ConfigureServices registers {(count == 0 ? "no" : count)} "
                + $"{nameof(IConnector)}; it must register exactly one");
        }
    }

    private static ServiceProvider Build(ServiceCollection services)
    {
        try
        {
            return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        }
#pragma warning disable CA1031 // Validation constructs the plugin's registrations: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe("validating the connector's services", exception), exception);
        }
    }

    private static async Task ProveConnectorConstructsAsync(ServiceProvider provider)
    {
        try
        {
            await using var scope = provider.CreateAsyncScope();
            _ = scope.ServiceProvider.GetRequiredService<IConnector>();
        }
#pragma warning disable CA1031 // The connector's constructor is plugin code: any failure marks the plugin Malfunctioned.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw PluginRefusedException.Malfunctioned(
                PluginFailures.Describe($"constructing the {nameof(IConnector)}", exception), exception);
        }
    }

    private static async Task DisposeQuietlyAsync(ServiceProvider provider)
    {
        try
        {
            await provider.DisposeAsync();
        }
#pragma warning disable CA1031 // Cleaning up after a failure that is already being reported; a second failure adds nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static PluginException CannotServe(
        LoadedPlugin plugin, ConnectorInstance instance, string reason, Exception? innerException) =>
        new($"The plugin '{plugin.Id}' (folder {plugin.FolderName}) cannot serve connector '{instance.Name}': {reason}", innerException)
        {
            PluginId = plugin.Id,
            PluginFolder = plugin.FolderName,
        };

    private static void LogOutcome(ILogger logger, LoadedPlugin plugin)
    {
        switch (plugin.Status)
        {
            case PluginStatus.Active:
                logger.LogInformation(
                    "Loaded plugin {PluginId} {PluginVersion} from {PluginFolder}", plugin.Id, plugin.Version, plugin.Directory);
                break;
            case PluginStatus.Disabled:
                logger.LogInformation(
                    "Plugin {PluginId} in {PluginFolder} is disabled in plugins.json", plugin.Id, plugin.Directory);
                break;
            default:
                logger.LogWarning(
                    "Plugin {PluginId} in {PluginFolder} is {PluginStatus}: {Reason}",
                    plugin.Id,
                    plugin.Directory,
                    plugin.Status,
                    plugin.Reason);
                break;
        }
    }

    private sealed class Candidate(string directory)
    {
        public string Directory { get; } = directory;

        public PluginMetadata? Metadata { get; set; }

        public string? Sha256 { get; set; }

        public PluginRefusedException? Refusal { get; set; }
    }
}
