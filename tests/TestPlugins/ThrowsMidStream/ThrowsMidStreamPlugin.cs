using System.Globalization;
using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ThrowsMidStream;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ThrowsMidStream", typeof(ThrowsMidStreamPlugin))]

namespace ConnectorHost.TestPlugins.ThrowsMidStream;

/// <summary>Every run yields three upserts (mid-1 … mid-3) and a checkpoint "3", then throws.</summary>
public sealed class ThrowsMidStreamPlugin : ConnectorPlugin<ThrowsMidStreamOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, ThrowsMidStreamConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class ThrowsMidStreamOptions
{
}

internal sealed class ThrowsMidStreamConnector : IConnector
{
    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var n = 1; n <= 3; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new Upsert(new SourceItem
            {
                NativeId = string.Create(CultureInfo.InvariantCulture, $"mid-{n}"),
                Version = "1",
                Text = string.Create(CultureInfo.InvariantCulture, $"Item {n} of a source that fails on item 4."),
            });
        }

        yield return new Checkpoint("3");
        await Task.CompletedTask;
        throw new InvalidOperationException("source failed on item 4");
    }
}
