using ConnectorHost.Abstractions;
using ConnectorHost.Fakes.Asana;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Plugins.Asana.Tests.Support;

/// <summary>
/// A fake Asana on a virtual clock, the connector built the way the host builds it (logging, a TimeProvider,
/// <c>AddHttpClient()</c>, the options, <see cref="ConnectorInstance"/>, then the registrar's ConfigureServices), and
/// a <see cref="TestLedger"/> that applies what each run yields.
/// </summary>
internal sealed class AsanaHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private readonly List<ServiceProvider> _providers = [];
    private ServiceProvider? _current;
    private Action<AsanaOptions> _configure = _ => { };

    private AsanaHarness(FakeTimeProvider clock, FakeAsanaServer server)
    {
        Clock = clock;
        Server = server;
        Time = new VirtualTime(clock);
    }

    public FakeTimeProvider Clock { get; }

    public FakeAsanaServer Server { get; }

    public FakeAsanaWorkspace Workspace => Server.Workspace;

    public VirtualTime Time { get; }

    public TestLedger Ledger { get; } = new();

    public static async Task<AsanaHarness> StartAsync()
    {
        var clock = new FakeTimeProvider(Start);
        var server = await FakeAsanaServer.StartAsync(new FakeAsanaWorkspace(clock));
        return new AsanaHarness(clock, server);
    }

    /// <summary>Sets the options of the next runs (a new connector instance, as after editing plugins.json).</summary>
    public void Configure(Action<AsanaOptions> configure)
    {
        _configure = configure;
        _current = null;
    }

    /// <summary>The connector instance's container (built on first use after <see cref="Configure"/>).</summary>
    public IServiceProvider Services => _current ??= Build();

    /// <summary>One run: the connector reads from the committed cursor; what it yields is applied as it comes.</summary>
    /// <param name="stopAfter">Stop (like a crash) after this many changes; the cursor stays at the last checkpoint.</param>
    /// <param name="prune">Prune afterwards, as the host does when the prune interval has passed.</param>
    public async Task<RunResult> RunAsync(int? stopAfter = null, bool prune = false)
    {
        using var scope = Services.CreateScope();
        var connector = scope.ServiceProvider.GetRequiredService<IConnector>();
        Ledger.BeginRun();
        var request = new ReadRequest { Cursor = Ledger.Cursor, RunId = Guid.NewGuid().ToString("N"), KnownItems = Ledger };
        var result = new RunResult();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await foreach (var change in connector.ReadChangesAsync(request, timeout.Token))
            {
                result.Changes.Add(change);
                Ledger.Apply(change);
                if (result.Changes.Count == stopAfter)
                {
                    break;
                }
            }
        }
        catch (ConnectorException e)
        {
            result.Error = e;
        }

        result.PruningRequested = request.PruningRequestedReason;
        if (result.Error is null && (prune || result.PruningRequested is not null))
        {
            result.Pruned = await PruneAsync();
        }

        return result;
    }

    public async Task<int> PruneAsync()
    {
        using var scope = Services.CreateScope();
        var listing = scope.ServiceProvider.GetRequiredService<IFullListing>();
        var ids = await listing.ListNativeIdsAsync(CancellationToken.None).ToListAsync();
        return Ledger.Prune(ids);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await Server.DisposeAsync();
    }

    private ServiceProvider Build()
    {
        var options = new AsanaOptions
        {
            BaseUrl = Server.BaseUrl,
            AccessToken = Workspace.AccessToken,
            Workspace = Workspace.Gid,
            // Tests are not about our own pacing unless they say so.
            RequestsPerMinute = 100_000,
        };
        _configure(options);
        var instance = new ConnectorInstance("roadmap", "Asana", "ops-team");
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<TimeProvider>(Time);
        services.AddHttpClient();
        services.AddSingleton(options);
        services.AddSingleton(instance);
        new AsanaPlugin().ConfigureServices(services, instance);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        _providers.Add(provider);
        return provider;
    }
}

internal sealed class RunResult
{
    public List<SourceChange> Changes { get; } = [];

    public ConnectorException? Error { get; set; }

    public string? PruningRequested { get; set; }

    public int Pruned { get; set; }

    public IEnumerable<SourceItem> Upserts => Changes.OfType<Upsert>().Select(u => u.Item);

    public IEnumerable<string> Deletes => Changes.OfType<Delete>().Select(d => d.NativeId);

    public IEnumerable<Skip> Skips => Changes.OfType<Skip>();

    public int Checkpoints => Changes.OfType<Checkpoint>().Count();
}
