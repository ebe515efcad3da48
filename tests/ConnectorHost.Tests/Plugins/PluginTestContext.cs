using System.Text.Json;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.Plugins;

/// <summary>
/// A temporary plugins directory of fixture plugins, the catalog loaded from it, and the host services a connector
/// instance gets (a capturing logger and a fake clock).
/// </summary>
internal sealed class PluginTestContext : IDisposable
{
    private static readonly JsonSerializerOptions s_settingsJson = new(JsonSerializerDefaults.Web);

    private readonly ILoggerFactory _loggerFactory;
    private PluginCatalog? _catalog;

    private PluginTestContext(PluginFolders folders)
    {
        Folders = folders;
        _loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
    }

    public PluginFolders Folders { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    public SignallingTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));

    public PluginCatalog Catalog => _catalog ?? throw new InvalidOperationException("Call Load first.");

    public static PluginTestContext Create(params string[] fixtures) => new(PluginFolders.Create(fixtures));

    public PluginCatalog Load(
        IReadOnlyDictionary<string, PluginPolicy>? policies = null, Version? hostContractVersion = null)
    {
        _catalog?.Dispose();
        _catalog = PluginCatalog.Load(
            new PluginCatalogOptions
            {
                PluginsDirectory = Folders.Directory,
                Policies = policies ?? new Dictionary<string, PluginPolicy>(),
                HostContractVersion = hostContractVersion,
            },
            _loggerFactory.CreateLogger<PluginCatalog>());
        return _catalog;
    }

    /// <summary>The plugin loaded from a folder.</summary>
    public LoadedPlugin InFolder(string folderName) =>
        Catalog.Plugins.Single(plugin => plugin.FolderName == folderName);

    /// <summary>Binds settings JSON (camelCase, as in plugins.json) to the plugin's OptionsType.</summary>
    public static object Settings(LoadedPlugin plugin, string json = "{}") =>
        JsonSerializer.Deserialize(json, plugin.OptionsType!, s_settingsJson)!;

    public Task<ConnectorInstanceServices> CreateInstanceAsync(
        LoadedPlugin plugin, string settingsJson = "{}", string instanceName = "test-instance") =>
        Catalog.CreateInstanceServicesAsync(
            plugin,
            new ConnectorInstance(instanceName, plugin.Id!, "end-user-1"),
            Settings(plugin, settingsJson),
            AddHostServices);

    /// <summary>What the host gives every instance here: logging and the clock.</summary>
    public void AddHostServices(IServiceCollection services)
    {
        services.AddSingleton(_loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton<TimeProvider>(Time);
    }

    public void Dispose()
    {
        _catalog?.Dispose();
        _loggerFactory.Dispose();
        Folders.Dispose();
    }
}

/// <summary>Runs connectors the way the host does: a new scope per run, inside the plugin's reflection scope.</summary>
internal static class ConnectorRuns
{
    public static async Task<List<SourceChange>> ReadAllAsync(
        this ConnectorInstanceServices services,
        string? cursor = null,
        bool isFullSync = false,
        string runId = "run-1",
        CancellationToken cancellationToken = default)
    {
        var request = Request(cursor, isFullSync, runId);
        return await services.ReadAllAsync(request, cancellationToken);
    }

    public static async Task<List<SourceChange>> ReadAllAsync(
        this ConnectorInstanceServices services, ReadRequest request, CancellationToken cancellationToken = default)
    {
        using var reflection = services.EnterContextualReflection();
        await using var scope = services.Services.CreateAsyncScope();
        var connector = scope.ServiceProvider.GetRequiredService<IConnector>();
        var changes = new List<SourceChange>();
        await foreach (var change in connector.ReadChangesAsync(request, cancellationToken))
        {
            changes.Add(change);
        }

        return changes;
    }

    public static ReadRequest Request(string? cursor = null, bool isFullSync = false, string runId = "run-1") => new()
    {
        Cursor = cursor,
        IsFullSync = isFullSync,
        RunId = runId,
        KnownItems = NoKnownItems.Instance,
    };

    /// <summary>Resolves the instance's connector from a new scope (the caller disposes the scope).</summary>
    public static (AsyncServiceScope Scope, T Connector) Resolve<T>(this ConnectorInstanceServices services)
        where T : class
    {
        var scope = services.Services.CreateAsyncScope();
        return (scope, (T)scope.ServiceProvider.GetRequiredService<IConnector>());
    }

    private sealed class NoKnownItems : IKnownItems
    {
        public static readonly NoKnownItems Instance = new();

        public ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<KnownItem?>(null);
    }
}
