using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.IgnoresCancellation;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("IgnoresCancellation", typeof(IgnoresCancellationPlugin))]

namespace ConnectorHost.TestPlugins.IgnoresCancellation;

/// <summary>Every run yields one upsert (stuck-1), then waits forever without looking at its token.</summary>
public sealed class IgnoresCancellationPlugin : ConnectorPlugin<IgnoresCancellationOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, IgnoresCancellationConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class IgnoresCancellationOptions
{
}

internal sealed class IgnoresCancellationConnector : IConnector
{
    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return new Upsert(new SourceItem
        {
            NativeId = "stuck-1",
            Version = "1",
            Text = "The only item of a source that then hangs.",
        });

        // Never completes, and the token is deliberately not passed: the host must abandon the run.
        await new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously).Task;
        yield break;
    }
}
