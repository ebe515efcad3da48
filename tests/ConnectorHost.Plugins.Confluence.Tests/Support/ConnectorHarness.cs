using ConnectorHost.Abstractions;
using ConnectorHost.Fakes.Confluence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.Confluence.Tests.Support;

/// <summary>
/// Builds a connector instance's container the way the host does (logging, a TimeProvider, IHttpClientFactory, the
/// bound options, the ConnectorInstance), lets the plugin's registrar add its services, and resolves the connector.
/// </summary>
internal sealed class ConnectorHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private ConnectorHarness(ServiceProvider provider, CapturingLoggerProvider logs, FastTimeProvider time)
    {
        _provider = provider;
        Logs = logs;
        Time = time;
    }

    /// <summary>Every log message of the instance.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>The instance's clock, which records and shortens waits.</summary>
    public FastTimeProvider Time { get; }

    public IConnector Connector => _provider.GetRequiredService<IConnector>();

    public IFullListing Listing => (IFullListing)Connector;

    public IConnectionCheck ConnectionCheck => (IConnectionCheck)Connector;

    /// <summary>Options for a connector pointed at the fake, with its credentials.</summary>
    public static ConfluenceOptions OptionsFor(FakeConfluenceServer server, params string[] spaces) => new()
    {
        BaseUrl = server.BaseUrl,
        Flavour = server.Options.Flavour == FakeConfluenceFlavour.Cloud ? ConfluenceFlavour.Cloud : ConfluenceFlavour.DataCenter,
        Email = server.Options.Email,
        ApiToken = server.Options.ApiToken,
        Spaces = spaces,
    };

    public static ConnectorHarness Create(ConfluenceOptions options, string name = "eng-wiki")
    {
        var services = new ServiceCollection();
        var logs = new CapturingLoggerProvider();
        var time = new FastTimeProvider();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddSingleton<TimeProvider>(time);
        services.AddHttpClient();
        services.AddSingleton(options);
        var instance = new ConnectorInstance(name, "Confluence", "ops-team");
        services.AddSingleton(instance);
        new ConfluencePlugin().ConfigureServices(services, instance);
        return new ConnectorHarness(services.BuildServiceProvider(validateScopes: true), logs, time);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        Logs.Dispose();
    }
}
