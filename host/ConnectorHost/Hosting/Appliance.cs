using ConnectorHost.Abstractions;
using ConnectorHost.Configuration;
using ConnectorHost.Delivery;
using ConnectorHost.Plugins;
using ConnectorHost.Scheduling;
using ConnectorHost.Status;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Hosting;

/// <summary>
/// A loaded appliance: the checked configuration, the plugin catalog, and every configured connector, runnable or
/// with the reason it is not. What every verb starts from.
/// </summary>
internal sealed class Appliance : IAsyncDisposable
{
    private readonly List<ConnectorInstanceServices> _instances;

    private Appliance(HostConfiguration configuration, PluginCatalog catalog, ConnectorRegistry registry, List<ConnectorInstanceServices> instances)
    {
        Configuration = configuration;
        Catalog = catalog;
        Registry = registry;
        _instances = instances;
    }

    public HostConfiguration Configuration { get; }

    public PluginCatalog Catalog { get; }

    public ConnectorRegistry Registry { get; }

    /// <summary>Loads the plugins, binds connector settings to them and builds each runnable connector's services.</summary>
    /// <exception cref="ConfigurationException">A connector names an unknown plugin, or its settings are invalid.</exception>
    public static async Task<Appliance> LoadAsync(
        HostConfiguration configuration, PluginHostServices hostServices, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("ConnectorHost.Plugins");
        var catalog = PluginCatalog.Load(
            new PluginCatalogOptions
            {
                PluginsDirectory = configuration.Host.PluginsDirectory,
                Policies = configuration.Plugins.ToDictionary(
                    p => p.Key,
                    p => new Plugins.PluginPolicy { Enabled = p.Value.Enabled, Sha256 = p.Value.Sha256 },
                    StringComparer.OrdinalIgnoreCase),
            },
            logger);

        try
        {
            ConfigurationLoader.BindConnectorSettings(configuration, new CatalogOptionsSource(catalog));
        }
        catch
        {
            catalog.Dispose();
            throw;
        }

        var entries = new List<ConnectorEntry>();
        var instances = new List<ConnectorInstanceServices>();
        foreach (var connector in configuration.Connectors)
        {
            var schedule = connector.Schedule is { } cron
                ? new ConnectorSchedule(connector.Name, cron, connector.TimeZone, connector.MisfirePolicy == MisfirePolicy.FireNow, connector.RunOnStartup)
                : null;
            if (!connector.Enabled)
            {
                entries.Add(new ConnectorEntry(connector.Name, connector.Plugin, false, null, null, schedule));
                continue;
            }

            if (connector.Availability != ConnectorAvailability.Available || connector.Options is null)
            {
                entries.Add(new ConnectorEntry(connector.Name, connector.Plugin, true, null,
                    $"plugin '{connector.Plugin}' is unavailable: {connector.UnavailableReason ?? "not loaded"}", schedule));
                continue;
            }

            var plugin = catalog.FindById(connector.Plugin)!;
            var instance = new ConnectorInstance(connector.Name, plugin.Id!, connector.EndUserId);
            try
            {
                var services = await catalog.CreateInstanceServicesAsync(plugin, instance, connector.Options, hostServices.AddTo);
                instances.Add(services);
                var handle = new ConnectorHandle
                {
                    Instance = instance,
                    Services = services.Services,
                    EnterPluginContext = () => services.EnterContextualReflection(),
                    RunTimeout = connector.RunTimeout ?? Timeout.InfiniteTimeSpan,
                    PruneInterval = connector.PruneInterval,
                    MaxDeletePercent = connector.MaxDeletePercent,
                };
                entries.Add(new ConnectorEntry(connector.Name, connector.Plugin, true, handle, null, schedule));
            }
            catch (PluginException ex)
            {
                entries.Add(new ConnectorEntry(connector.Name, connector.Plugin, true, null, ex.Message, schedule));
            }
        }

        return new Appliance(configuration, catalog, new ConnectorRegistry(entries), instances);
    }

    public IReadOnlyList<PluginStatusEntry> PluginStatuses() =>
        [.. Catalog.Plugins.Select(p => new PluginStatusEntry(
            p.FolderName, p.Id, p.Version, p.ContractVersion?.ToString(), p.Status.ToString(), p.Reason))];

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        Catalog.Dispose();
    }

    private sealed class CatalogOptionsSource(PluginCatalog catalog) : IPluginOptionsSource
    {
        public IReadOnlyCollection<string> PluginIds => [.. catalog.Plugins.Where(p => p.Id is not null).Select(p => p.Id!).Distinct(StringComparer.Ordinal)];

        public PluginOptionsResolution Resolve(string pluginId)
        {
            var plugin = catalog.FindById(pluginId);
            if (plugin is null)
            {
                return PluginOptionsResolution.Unknown;
            }

            return plugin.Status == PluginStatus.Active && plugin.OptionsType is { } type
                ? PluginOptionsResolution.Available(type)
                : PluginOptionsResolution.Unavailable($"{plugin.Status} in {plugin.FolderName}: {plugin.Reason}");
        }
    }
}
