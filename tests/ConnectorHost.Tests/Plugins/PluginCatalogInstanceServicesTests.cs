using System.Runtime.Loader;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins;
using ConnectorHost.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.Plugins;

public sealed class PluginCatalogInstanceServicesTests
{
    [Test]
    public async Task CreateInstanceServicesAsync_GoodPlugin_InjectsTheSettingsObjectAndTheInstance()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();
        var settings = PluginTestContext.Settings(plugin, """{ "itemCount": 5, "textPrefix": "Handbook page" }""");
        var instance = new ConnectorInstance("handbook", "Good", "ops-team");

        await using var services = await context.Catalog.CreateInstanceServicesAsync(
            plugin, instance, settings, context.AddHostServices);

        services.Services.GetRequiredService(plugin.OptionsType!).Should().BeSameAs(settings);
        services.Services.GetRequiredService<ConnectorInstance>().Should().BeSameAs(instance);
        var upserts = (await services.ReadAllAsync()).OfType<Upsert>().ToList();
        upserts.Select(u => u.Item.NativeId).Should().Equal("good-1", "good-2", "good-3", "good-4", "good-5");
        upserts[0].Item.Text.Should().StartWith("Handbook page number 1 of 5");
        upserts[0].Item.Metadata["instance"].Should().Be("handbook");
    }

    [Test]
    public async Task CreateInstanceServicesAsync_GoodPlugin_GetsTheHostsLoggerAndClock()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();
        await using var services = await context.CreateInstanceAsync(plugin, instanceName: "wiki");

        var changes = await services.ReadAllAsync(runId: "run-42");

        changes.OfType<Upsert>().Should().OnlyContain(u => u.Item.LastModified == context.Time.GetUtcNow());
        changes.OfType<Checkpoint>().Single().Position.Should().Be(context.Time.GetUtcNow());
        context.Logs.Entries.Should().ContainSingle(e => e.Category == "ConnectorHost.TestPlugins.GoodPlugin.GoodConnector")
            .Which.Properties.Should().Contain(
                new KeyValuePair<string, object?>("Connector", "wiki"),
                new KeyValuePair<string, object?>("RunId", "run-42"));
    }

    [Test]
    public async Task CreateInstanceServicesAsync_AnyPlugin_OffersIHttpClientFactory()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Scripted);
        var plugin = context.Load().Plugins.Single();
        await using var services = await context.CreateInstanceAsync(plugin, """{ "scriptPath": "unused.json" }""");

        var factory = services.Services.GetRequiredService<IHttpClientFactory>();

        using var client = factory.CreateClient();
        client.Should().NotBeNull();
    }

    [Test]
    public async Task CreateInstanceServicesAsync_GoodPlugin_ItsNamedHttpClientReachesTheProbe()
    {
        await using var probe = await ProbeServer.StartAsync(StatusCodes.Status200OK);
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();
        await using var services = await context.CreateInstanceAsync(
            plugin, $$"""{ "probeUrl": "{{probe.Url}}" }""");
        var (scope, check) = services.Resolve<IConnectionCheck>();
        await using var _ = scope;

        await check.CheckConnectionAsync(CancellationToken.None);

        probe.Requests.Should().Be(1);
    }

    [Test]
    public async Task CreateInstanceServicesAsync_GoodPluginWhoseProbeFails_ConnectionCheckThrowsConnectorException()
    {
        await using var probe = await ProbeServer.StartAsync(StatusCodes.Status503ServiceUnavailable);
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();
        await using var services = await context.CreateInstanceAsync(
            plugin, $$"""{ "probeUrl": "{{probe.Url}}" }""");
        var (scope, check) = services.Resolve<IConnectionCheck>();
        await using var _ = scope;

        var act = () => check.CheckConnectionAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Kind.Should().Be(ConnectorErrorKind.Unavailable);
    }

    [Test]
    public async Task CreateInstanceServicesAsync_TwoInstancesOfOnePlugin_EachHasItsOwnContainer()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();

        await using var first = await context.CreateInstanceAsync(plugin, """{ "itemCount": 1 }""", "first");
        await using var second = await context.CreateInstanceAsync(plugin, """{ "itemCount": 2 }""", "second");

        (await first.ReadAllAsync()).OfType<Upsert>().Should().HaveCount(1);
        (await second.ReadAllAsync()).OfType<Upsert>().Should().HaveCount(2);
        second.Services.GetRequiredService<ConnectorInstance>().Name.Should().Be("second");
    }

    [Test]
    public async Task CreateInstanceServicesAsync_ConfigureServicesThrows_MarksThePluginMalfunctionedAndThrows()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ThrowingRegistrar);
        var plugin = context.Load().Plugins.Single();
        plugin.Status.Should().Be(PluginStatus.Active, "nothing fails until services are registered");

        var act = () => context.CreateInstanceAsync(plugin, instanceName: "broken");

        var expected = "registering the services of connector 'broken' "
            + "(ConnectorHost.TestPlugins.ThrowingRegistrar.ThrowingRegistrarPlugin.ConfigureServices) failed: "
            + "InvalidOperationException: ThrowingRegistrar refuses to register its services";
        var thrown = (await act.Should().ThrowAsync<PluginException>()).Which;
        thrown.Message.Should().StartWith(
            $"The plugin 'ThrowingRegistrar' (folder ThrowingRegistrar) cannot serve connector 'broken': {expected}");
        thrown.PluginId.Should().Be("ThrowingRegistrar");
        thrown.InnerException.Should().BeOfType<InvalidOperationException>();
        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith(expected);
        context.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning)
            .Which.Properties["Reason"].Should().Be(plugin.Reason);
    }

    [Test]
    public async Task CreateInstanceServicesAsync_ConnectorConstructorThrows_MarksThePluginMalfunctioned()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ThrowingConnector);
        var plugin = context.Load().Plugins.Single();

        var act = () => context.CreateInstanceAsync(plugin);

        await act.Should().ThrowAsync<PluginException>();
        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().Be(
            "constructing the IConnector failed: InvalidOperationException: UnconstructibleConnector cannot be "
            + "constructed (in ConnectorHost.TestPlugins.ThrowingConnector.UnconstructibleConnector..ctor)");
    }

    [Test]
    public async Task CreateInstanceServicesAsync_NoConnectorRegistered_MarksThePluginMalfunctioned()
    {
        using var context = PluginTestContext.Create(FixturePlugins.NoConnector);
        var plugin = context.Load().Plugins.Single();

        var act = () => context.CreateInstanceAsync(plugin);

        await act.Should().ThrowAsync<PluginException>();
        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().Be(
            "ConnectorHost.TestPlugins.NoConnector.NoConnectorPlugin.ConfigureServices registers no IConnector; "
            + "it must register exactly one");
    }

    [Test]
    public async Task CreateInstanceServicesAsync_DependencyMissingWhenTheConnectorIsCompiled_MarksThePluginMalfunctioned()
    {
        using var context = PluginTestContext.Create(FixturePlugins.MissingDependency);
        File.Delete(Path.Combine(
            context.Folders.PathOf(FixturePlugins.MissingDependency), "ConnectorHost.TestPlugins.MissingDependency.deps.json"));
        var plugin = context.Load().Plugins.Single();
        plugin.Status.Should().Be(PluginStatus.Active, "without its deps.json nothing tells the loader what is missing");

        var act = () => context.CreateInstanceAsync(plugin);

        await act.Should().ThrowAsync<PluginException>();
        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith(
            "constructing the IConnector failed: missing dependency: FileNotFoundException: "
            + "Could not load file or assembly 'AbsentLib, Version=1.0.0.0");
    }

    [Test]
    public async Task CreateInstanceServicesAsync_HostServicesLackWhatTheConnectorNeeds_FailsValidationNamingTheService()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();

        var act = () => context.Catalog.CreateInstanceServicesAsync(
            plugin, new ConnectorInstance("x", "Good", "u"), PluginTestContext.Settings(plugin), _ => { });

        await act.Should().ThrowAsync<PluginException>();
        plugin.Status.Should().Be(PluginStatus.Malfunctioned);
        plugin.Reason.Should().StartWith("validating the connector's services failed: ")
            .And.Contain("Unable to resolve service for type 'System.TimeProvider'");
    }

    [Test]
    public async Task CreateInstanceServicesAsync_PluginNotActive_ThrowsWithItsStatusAndReason()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load(new Dictionary<string, PluginPolicy> { ["Good"] = new() { Enabled = false } })
            .Plugins.Single();

        var act = () => context.Catalog.CreateInstanceServicesAsync(
            plugin, new ConnectorInstance("x", "Good", "u"), new object(), context.AddHostServices);

        (await act.Should().ThrowAsync<PluginException>()).WithMessage(
            "The plugin 'Good' (folder GoodPlugin) cannot serve connector 'x': it is Disabled: disabled in plugins.json");
        plugin.Status.Should().Be(PluginStatus.Disabled);
    }

    [Test]
    public async Task CreateInstanceServicesAsync_SettingsOfAnotherType_ThrowsArgumentExceptionAndThePluginStaysActive()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();

        var act = () => context.Catalog.CreateInstanceServicesAsync(
            plugin, new ConnectorInstance("x", "Good", "u"), new object(), context.AddHostServices);

        await act.Should().ThrowAsync<ArgumentException>().WithParameterName("settings");
        plugin.Status.Should().Be(PluginStatus.Active);
    }

    [Test]
    public async Task CreateInstanceServicesAsync_AfterAFailure_LaterInstancesAreRefusedWithTheFirstReason()
    {
        using var context = PluginTestContext.Create(FixturePlugins.ThrowingRegistrar);
        var plugin = context.Load().Plugins.Single();
        await FluentActions.Awaiting(() => context.CreateInstanceAsync(plugin)).Should().ThrowAsync<PluginException>();
        var firstReason = plugin.Reason;

        var act = () => context.CreateInstanceAsync(plugin, instanceName: "second");

        (await act.Should().ThrowAsync<PluginException>()).Which.Message.Should().EndWith($"it is Malfunctioned: {firstReason}");
        plugin.Reason.Should().Be(firstReason);
        context.Logs.Entries.Where(e => e.Level == LogLevel.Warning).Should().HaveCount(1);
    }

    [Test]
    public async Task EnterContextualReflection_InsideTheScope_TheContextIsThePlugins()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();
        await using var services = await context.CreateInstanceAsync(plugin);
        var pluginContext = AssemblyLoadContext.GetLoadContext(plugin.Registrar!.GetType().Assembly);

        using (services.EnterContextualReflection())
        {
            AssemblyLoadContext.CurrentContextualReflectionContext.Should().BeSameAs(pluginContext);
            Type.GetType("ConnectorHost.TestPlugins.GoodPlugin.GoodOptions, ConnectorHost.TestPlugins.GoodPlugin")
                .Should().BeSameAs(plugin.OptionsType);
        }

        AssemblyLoadContext.CurrentContextualReflectionContext.Should().NotBeSameAs(pluginContext);
    }

    [Test]
    public void EnterContextualReflection_PluginNeverLoaded_Throws()
    {
        using var context = PluginTestContext.Create(FixturePlugins.IncompatibleMajor);
        var plugin = context.Load().Plugins.Single();

        var act = () => plugin.EnterContextualReflection();

        act.Should().Throw<InvalidOperationException>().WithMessage("*IncompatibleMajor was not loaded (NotSupported)*");
    }

    [Test]
    public async Task DisposeAsync_InstanceServices_DisposesTheContainer()
    {
        using var context = PluginTestContext.Create(FixturePlugins.Good);
        var plugin = context.Load().Plugins.Single();
        var services = await context.CreateInstanceAsync(plugin);

        await services.DisposeAsync();

        var act = () => services.Services.GetRequiredService<IConnector>();
        act.Should().Throw<ObjectDisposedException>();
    }

    /// <summary>A loopback HTTP server answering every request with one status code, counting requests.</summary>
    private sealed class ProbeServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private ProbeServer(WebApplication app)
        {
            _app = app;
        }

        public Uri Url { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<ProbeServer> StartAsync(int statusCode)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new ProbeServer(app);
            app.Run(http =>
            {
                Interlocked.Increment(ref server._requests);
                http.Response.StatusCode = statusCode;
                return Task.CompletedTask;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
                .Addresses.Single();
            server.Url = new Uri(new Uri(address), "/probe");
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
