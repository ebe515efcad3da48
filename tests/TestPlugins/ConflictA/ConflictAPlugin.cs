using System.Globalization;
using System.Runtime.CompilerServices;
using ConflictLib;
using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ConflictA;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ConflictA", typeof(ConflictAPlugin))]

namespace ConnectorHost.TestPlugins.ConflictA;

/// <summary>Every run yields one upsert (conflicta-1) whose text says which ConflictLib it sees.</summary>
public sealed class ConflictAPlugin : ConnectorPlugin<ConflictAOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, ConflictAConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class ConflictAOptions
{
}

internal sealed class ConflictAConnector : IConnector
{
    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield return new Upsert(new SourceItem
        {
            NativeId = "conflicta-1",
            Version = "1",
            Text = string.Create(CultureInfo.InvariantCulture, $"ConflictA reads ConflictLib {LibraryInfo.LoadedVersion} ({LibraryInfo.Edition})"),
        });
    }
}
