using System.Runtime.CompilerServices;
using ConflictLib;
using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ConflictB;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ConflictB", typeof(ConflictBPlugin))]

namespace ConnectorHost.TestPlugins.ConflictB;

/// <summary>Every run yields one upsert (conflictb-1) whose text says which ConflictLib it sees.</summary>
public sealed class ConflictBPlugin : ConnectorPlugin<ConflictBOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, ConflictBConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class ConflictBOptions
{
}

internal sealed class ConflictBConnector : IConnector
{
    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield return new Upsert(new SourceItem
        {
            NativeId = "conflictb-1",
            Version = "1",
            Text = LibraryInfo.DescribeFor("ConflictB"),
        });
    }
}
