using System.Globalization;
using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.TestPlugins.GoodPlugin;

/// <summary>
/// Yields <see cref="GoodOptions.ItemCount"/> upserts (ids good-1 … good-N, version 1) and one checkpoint whose cursor
/// is N, using the host's logger and clock, so tests can see that both reach plugin code.
/// </summary>
internal sealed class GoodConnector(
    GoodOptions options,
    ConnectorInstance instance,
    TimeProvider timeProvider,
    IHttpClientFactory httpClientFactory,
    ILogger<GoodConnector> logger) : IConnector, IFullListing, IConnectionCheck
{
    internal const string HttpClientName = "good-probe";

    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        logger.LogInformation(
            "Good connector {Connector} starts run {RunId} with {ItemCount} items",
            instance.Name,
            request.RunId,
            options.ItemCount);
        var now = timeProvider.GetUtcNow();
        for (var n = 1; n <= options.ItemCount; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new Upsert(new SourceItem
            {
                NativeId = NativeId(n),
                Version = "1",
                Title = string.Create(CultureInfo.InvariantCulture, $"Good item {n}"),
                Text = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{options.TextPrefix} number {n} of {options.ItemCount}, written by the Good test plugin."),
                LastModified = now,
                Tags = ["good"],
                Metadata = new Dictionary<string, object?>(StringComparer.Ordinal) { ["instance"] = instance.Name },
            });
        }

        await Task.CompletedTask;
        yield return new Checkpoint(options.ItemCount.ToString(CultureInfo.InvariantCulture), now);
    }

    public async IAsyncEnumerable<string> ListNativeIdsAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var n = 1; n <= options.ItemCount; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return NativeId(n);
        }

        await Task.CompletedTask;
    }

    public async Task CheckConnectionAsync(CancellationToken cancellationToken)
    {
        if (options.ProbeUrl is null)
        {
            return;
        }

        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.GetAsync(options.ProbeUrl, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ConnectorException(
                ConnectorErrorKind.Unavailable,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The probe {options.ProbeUrl} answered {(int)response.StatusCode}."));
        }
    }

    private static string NativeId(int n) => string.Create(CultureInfo.InvariantCulture, $"good-{n}");
}
