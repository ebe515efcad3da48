using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.MissingDependency;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("MissingDependency", typeof(MissingDependencyPlugin))]

namespace ConnectorHost.TestPlugins.MissingDependency;

/// <summary>
/// Its connector's constructor calls into AbsentLib, which is missing: no type signature mentions AbsentLib, so the
/// plugin loads, and the failure comes when the constructor is compiled just in time.
/// </summary>
public sealed class MissingDependencyPlugin : ConnectorPlugin<MissingDependencyOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, GreetingConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class MissingDependencyOptions
{
}

internal sealed class GreetingConnector : IConnector
{
    private readonly string _greeting;

    public GreetingConnector()
    {
        _greeting = AbsentLib.Greeting.Hello();
    }

    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield return new Upsert(new SourceItem
        {
            NativeId = "greeting",
            Version = "1",
            Text = _greeting + " from AbsentLib",
        });
    }
}
