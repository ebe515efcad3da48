using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ConnectorHost.Plugins.Asana.Api;

/// <summary>
/// The Asana REST API as the connector uses it: GETs only, Bearer authentication, at most
/// <see cref="AsanaOptions.RequestsPerMinute"/> requests per minute and <see cref="AsanaOptions.MaxConcurrentRequests"/>
/// in flight, retries of 429 (after <c>Retry-After</c>), 5xx, timeouts and network failures with exponential back-off.
/// </summary>
/// <remarks>
/// One instance per connector instance (a singleton of its container), so the limits hold across runs and the full
/// listing. Thread-safe. Failures throw <see cref="AsanaApiException"/> (Asana answered), <see cref="HttpRequestException"/>
/// (unreachable) or <see cref="JsonException"/> (unreadable answer); none carries the token.
/// </remarks>
internal sealed partial class AsanaClient : IDisposable
{
    /// <summary>The name of the connector's client in <c>IHttpClientFactory</c>.</summary>
    public const string HttpClientName = "ConnectorHost.Plugins.Asana";

    /// <summary>Asana's page size limit.</summary>
    public const int PageSize = 100;

    /// <summary>A longer <c>Retry-After</c> ends the run (as rate limited) instead of holding it.</summary>
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private static readonly ResiliencePropertyKey<string> s_pathKey = new("asana.path");

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly AsanaOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AsanaClient> _logger;
    private readonly SlidingWindowRateLimiter _rate;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly ResiliencePipeline _pipeline;
    private readonly string _root;

    public AsanaClient(
        AsanaOptions options, IHttpClientFactory httpClientFactory, TimeProvider timeProvider, ILogger<AsanaClient> logger)
    {
        _options = options;
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;
        _root = options.BaseUrl.AbsoluteUri.TrimEnd('/');
        // Asana counts requests per token per minute, rejected ones included: a sliding minute keeps us under it.
        _rate = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.RequestsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 12,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentRequests,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
                MaxRetryAttempts = 8,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = MaxRetryAfter,
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is AsanaApiException { RetryAfter: { } retryAfter } ? retryAfter : (TimeSpan?)null),
                OnRetry = args =>
                {
                    LogRetry(
                        args.Context.Properties.GetValue(s_pathKey, string.Empty),
                        args.AttemptNumber + 1,
                        args.RetryDelay,
                        args.Outcome.Exception?.Message);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>GETs one record (<c>{"data":{…}}</c>).</summary>
    public async Task<T> GetAsync<T>(string pathAndQuery, CancellationToken cancellationToken)
    {
        var response = await SendAsync<AsanaData<T>>(pathAndQuery, cancellationToken);
        return response.Body.Data;
    }

    /// <summary>GETs one page of a list, <see cref="PageSize"/> records, from <paramref name="offset"/> on.</summary>
    public Task<AsanaResponse<AsanaPage<T>>> GetPageAsync<T>(
        string pathAndQuery, string? offset, CancellationToken cancellationToken)
    {
        var separator = pathAndQuery.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var paged = $"{pathAndQuery}{separator}limit={PageSize}";
        if (offset is not null)
        {
            paged += "&offset=" + Uri.EscapeDataString(offset);
        }

        return SendAsync<AsanaPage<T>>(paged, cancellationToken);
    }

    /// <summary>Streams every record of a list, page by page.</summary>
    public async IAsyncEnumerable<T> ListAsync<T>(
        string pathAndQuery, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? offset = null;
        do
        {
            var page = await GetPageAsync<T>(pathAndQuery, offset, cancellationToken);
            foreach (var item in page.Body.Data)
            {
                yield return item;
            }

            offset = page.Body.NextPage?.Offset;
        }
        while (offset is not null);
    }

    /// <summary>
    /// Reads the events of a resource after a sync token. Asana answers a missing or expired token with 412 and a
    /// fresh token: that comes back as <see cref="AsanaEventBatch.TokenRejected"/>, not as an error.
    /// </summary>
    public async Task<AsanaEventBatch> GetEventsAsync(string resourceGid, string? sync, CancellationToken cancellationToken)
    {
        var path = Path("/events", ("resource", resourceGid), ("sync", sync));
        try
        {
            var response = await SendAsync<AsanaEvents>(path, cancellationToken);
            return new AsanaEventBatch(response.Body.Data, response.Body.Sync, response.Body.HasMore, TokenRejected: false);
        }
        catch (AsanaApiException e) when (e.Status == HttpStatusCode.PreconditionFailed && e.Sync is not null)
        {
            return new AsanaEventBatch([], e.Sync, HasMore: false, TokenRejected: true);
        }
    }

    /// <summary>Builds <c>path?name=value&amp;…</c>, escaping values and leaving out null ones.</summary>
    public static string Path(string path, params ReadOnlySpan<(string Name, string? Value)> query)
    {
        var parts = new List<string>(query.Length);
        foreach (var (name, value) in query)
        {
            if (value is not null)
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        return parts.Count == 0 ? path : path + "?" + string.Join('&', parts);
    }

    /// <summary>Asana's timestamp format (UTC, milliseconds).</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _rate.Dispose();
        _concurrency.Dispose();
    }

    private async Task<AsanaResponse<T>> SendAsync<T>(string pathAndQuery, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(s_pathKey, pathAndQuery);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (ctx, state) => state.Self.SendOnceAsync<T>(state.Path, ctx.CancellationToken),
                context,
                (Self: this, Path: pathAndQuery));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<AsanaResponse<T>> SendOnceAsync<T>(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var rateLease = await _rate.AcquireAsync(1, cancellationToken);
        using var concurrencyLease = await _concurrency.AcquireAsync(1, cancellationToken);
        if (!rateLease.IsAcquired || !concurrencyLease.IsAcquired)
        {
            throw new InvalidOperationException("The Asana request limiter refused a request it should have queued.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, _root + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var http = _httpClientFactory.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ReadErrorAsync(response, pathAndQuery, cancellationToken);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var body = await JsonSerializer.DeserializeAsync<T>(stream, JsonOptions, cancellationToken)
            ?? throw new JsonException($"Asana answered GET {pathAndQuery} with an empty body.");
        return new AsanaResponse<T>(body, response.Headers.Date);
    }

    private async Task<AsanaApiException> ReadErrorAsync(
        HttpResponseMessage response, string pathAndQuery, CancellationToken cancellationToken)
    {
        AsanaErrorBody? body = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            body = JsonSerializer.Deserialize<AsanaErrorBody>(text, JsonOptions);
        }
        catch (JsonException)
        {
            // A proxy's HTML error page: the status code says enough.
        }

        var first = body?.Errors is [var head, ..] ? head : null;
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _timeProvider.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        return new AsanaApiException(response.StatusCode, pathAndQuery, first?.Message, first?.Phrase)
        {
            RetryAfter = retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter,
            Sync = body?.Sync,
        };
    }

    private static bool IsTransient(Exception? exception, CancellationToken cancellationToken) => exception switch
    {
        AsanaApiException e => e.IsTransient && (e.RetryAfter is null || e.RetryAfter <= MaxRetryAfter),
        HttpRequestException => true,
        // HttpClient's own timeout; a cancelled run is not retried.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asana request GET {Path} failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private partial void LogRetry(string path, int attempt, TimeSpan delay, string? reason);
}

/// <summary>One call's worth of events of a resource, with the token to read on from.</summary>
/// <param name="Events">The events, oldest first (at most 100).</param>
/// <param name="Sync">The sync token for the next call.</param>
/// <param name="HasMore">More events wait: call again with <paramref name="Sync"/>.</param>
/// <param name="TokenRejected">
/// The token was missing or too old (412): <paramref name="Sync"/> is a fresh one and events in between may be lost.
/// </param>
internal sealed record AsanaEventBatch(IReadOnlyList<AsanaEvent> Events, string Sync, bool HasMore, bool TokenRejected);
