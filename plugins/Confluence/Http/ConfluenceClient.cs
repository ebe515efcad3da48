using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using ConnectorHost.Abstractions;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ConnectorHost.Plugins.Confluence.Http;

/// <summary>
/// HTTP toward one Confluence site: authentication, the instance's request rate, retries of transient answers
/// (429 and 503 after their <c>Retry-After</c>, other 5xx and network failures with exponential back-off and jitter),
/// and the translation of refusals into <see cref="ConnectorException"/>s that name the site, never the credentials.
/// </summary>
/// <remarks>One instance per connector instance (a singleton of its container), so the rate limit spans runs.</remarks>
internal sealed class ConfluenceClient : IDisposable
{
    internal const string HttpClientName = "ConnectorHost.Plugins.Confluence";
    internal const int MaxAttempts = 8;

    private static readonly HttpRequestOptionsKey<bool> s_callerHandlesServerErrors = new("Confluence.CallerHandlesServerErrors");
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly ConfluenceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ConfluenceClient> _logger;
    private readonly TokenBucketRateLimiter _rateLimiter;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly AuthenticationHeaderValue _authorization;

    public ConfluenceClient(
        IHttpClientFactory httpClientFactory,
        ConfluenceOptions options,
        TimeProvider timeProvider,
        ILogger<ConfluenceClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        SiteUrl = new Uri(options.BaseUrl!.AbsoluteUri.TrimEnd('/'), UriKind.Absolute);
        _authorization = options.Flavour == ConfluenceFlavour.Cloud
            ? new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Email}:{options.ApiToken}")))
            : new AuthenticationHeaderValue("Bearer", options.ApiToken);

        var period = TimeSpan.FromSeconds(1 / options.RequestsPerSecond);
        _rateLimiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Ceiling(options.RequestsPerSecond)),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        _pipeline = BuildPipeline();
    }

    /// <summary>The configured site root, without a trailing slash (no credentials in it).</summary>
    public Uri SiteUrl { get; }

    /// <summary>An address under the site root, e.g. <c>/rest/api/content/search?cql=...</c>.</summary>
    public Uri Api(string pathAndQuery) => new(SiteUrl.AbsoluteUri + pathAndQuery);

    /// <summary>
    /// The address of a v1 link (<c>_links.next</c>, <c>_links.webui</c>), which is relative to <c>_links.base</c>: the
    /// site root, which is what <c>baseUrl</c> names. The configured root is used, so credentials never go to another
    /// host and a proxy in front of Confluence (even one that maps another path) keeps working.
    /// </summary>
    public Uri FollowV1(string link) => new(SiteUrl.AbsoluteUri + RelativePart(link));

    /// <summary>
    /// The address of a v2 <c>_links.next</c>, which carries the site's context path (<c>/wiki/api/v2/...</c>): the
    /// context path of <c>_links.base</c> is replaced by the configured root, for the same reasons as in
    /// <see cref="FollowV1"/>.
    /// </summary>
    public Uri FollowV2(string next, string? linksBase)
    {
        var relative = RelativePart(next);
        var contextPath = Uri.TryCreate(linksBase, UriKind.Absolute, out var baseUri)
            ? baseUri.AbsolutePath.TrimEnd('/')
            : SiteUrl.AbsolutePath.TrimEnd('/');
        if (contextPath.Length > 0 && relative.StartsWith(contextPath + "/", StringComparison.Ordinal))
        {
            relative = relative[contextPath.Length..];
        }

        return FollowV1(relative);
    }

    /// <summary>GETs a JSON answer, retrying transient failures.</summary>
    /// <param name="uri">The address.</param>
    /// <param name="notFoundMessage">The message of the <see cref="ConnectorException"/> thrown on 404.</param>
    /// <param name="callerHandlesServerErrors">
    /// When set, 500, 502 and 504 are not retried here but thrown as <see cref="ConfluenceServerErrorException"/>, so the
    /// caller can retry with a smaller page.
    /// </param>
    /// <param name="cancellationToken">Cancels the request and any wait.</param>
    public async Task<T> GetJsonAsync<T>(
        Uri uri, string? notFoundMessage, bool callerHandlesServerErrors, CancellationToken cancellationToken) =>
        (await GetAsync<T>(uri, notFoundMessage, callerHandlesServerErrors, cancellationToken)).Value;

    /// <summary>As <see cref="GetJsonAsync{T}"/>, with the server's clock (its <c>Date</c> header) at the answer.</summary>
    public async Task<ConfluenceAnswer<T>> GetAsync<T>(
        Uri uri, string? notFoundMessage, bool callerHandlesServerErrors, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(uri, callerHandlesServerErrors, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            try
            {
                var value = await response.Content.ReadFromJsonAsync<T>(s_json, cancellationToken)
                    ?? throw new JsonException("The answer was empty.");
                return new ConfluenceAnswer<T>(value, response.Headers.Date);
            }
            catch (JsonException ex)
            {
                throw new ConnectorException(
                    ConnectorErrorKind.InvalidData,
                    $"Confluence at {SiteUrl} answered {uri.AbsolutePath} with JSON the connector cannot read: {ex.Message}",
                    ex);
            }
        }

        throw await TranslateFailureAsync(uri, response, notFoundMessage, cancellationToken);
    }

    public void Dispose() => _rateLimiter.Dispose();

    private static string RelativePart(string link)
    {
        // A link is normally a path with a query; should a server ever send an absolute one, only its path counts.
        if (Uri.TryCreate(link, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal))
        {
            return absolute.PathAndQuery;
        }

        return link.StartsWith('/') ? link : "/" + link;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, bool callerHandlesServerErrors, CancellationToken cancellationToken)
    {
        var client = _httpClientFactory.CreateClient(HttpClientName);
        try
        {
            return await _pipeline.ExecuteAsync(
                async token =>
                {
                    using var lease = await _rateLimiter.AcquireAsync(1, token);
                    using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                    request.Headers.Authorization = _authorization;
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    request.Options.Set(s_callerHandlesServerErrors, callerHandlesServerErrors);
                    return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                },
                cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ConnectorException(
                ConnectorErrorKind.Unavailable,
                $"Confluence at {SiteUrl} could not be reached after {MaxAttempts} attempts: {ex.Message}",
                ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConnectorException(
                ConnectorErrorKind.Unavailable,
                $"Confluence at {SiteUrl} did not answer in time after {MaxAttempts} attempts.",
                ex);
        }
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline()
    {
        var maxWait = TimeSpan.FromSeconds(_options.MaxRetryAfterSeconds);
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _timeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                // Caps the generated Retry-After waits as well as the back-off, so it is the configured cap.
                MaxDelay = maxWait,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    { Exception: TaskCanceledException } => !args.Context.CancellationToken.IsCancellationRequested,
                    { Result: { } response } => IsTransient(response, maxWait),
                    _ => false,
                }),
                DelayGenerator = args =>
                    ValueTask.FromResult(args.Outcome.Result is { } response ? RetryAfterWithJitter(response) : null),
                OnRetry = args =>
                {
                    _logger.LogWarning(
                        "Confluence answered {Outcome} for {Path}; attempt {Attempt} of {MaxAttempts} in {Delay}",
                        args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name,
                        args.Outcome.Result?.RequestMessage?.RequestUri?.AbsolutePath,
                        args.AttemptNumber + 2,
                        MaxAttempts,
                        args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private bool IsTransient(HttpResponseMessage response, TimeSpan maxWait)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.TooManyRequests:
            case HttpStatusCode.ServiceUnavailable:
                // A wait longer than allowed is not retried: the run ends as rate limited and resumes later.
                return RetryAfter(response) is not { } wait || wait <= maxWait;
            case HttpStatusCode.InternalServerError:
            case HttpStatusCode.BadGateway:
            case HttpStatusCode.GatewayTimeout:
                return !IsCallerHandled(response);
            case HttpStatusCode.RequestTimeout:
                return true;
            default:
                return false;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private TimeSpan? RetryAfterWithJitter(HttpResponseMessage response)
    {
        if (RetryAfter(response) is not { } wait)
        {
            return null;
        }

        // Jitter after the server's wait (never before it), so instances that were refused together do not return together.
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250) + (wait.TotalMilliseconds * 0.1 * Random.Shared.NextDouble()));
#pragma warning restore CA5394
        var maxWait = TimeSpan.FromSeconds(_options.MaxRetryAfterSeconds);
        return wait + jitter > maxWait ? maxWait : wait + jitter;
    }

    private async Task<Exception> TranslateFailureAsync(
        Uri uri, HttpResponseMessage response, string? notFoundMessage, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized:
                return new ConnectorException(
                    ConnectorErrorKind.Authentication,
                    $"Confluence rejected the credentials for {SiteUrl} (HTTP 401): check "
                    + (_options.Flavour == ConfluenceFlavour.Cloud
                        ? "email and apiToken (Atlassian API tokens expire)."
                        : "apiToken (a Data Center personal access token)."));
            case HttpStatusCode.Forbidden:
                return new ConnectorException(
                    ConnectorErrorKind.Authorization,
                    $"Confluence at {SiteUrl} refused {uri.AbsolutePath} to the configured account (HTTP 403): grant it access.");
            case HttpStatusCode.NotFound:
                return new ConnectorException(
                    ConnectorErrorKind.NotFound,
                    notFoundMessage ?? $"Confluence at {SiteUrl} answered 404 Not Found for {uri.AbsolutePath}.");
            case HttpStatusCode.TooManyRequests:
            case HttpStatusCode.ServiceUnavailable:
                var wait = RetryAfter(response);
                return new ConnectorException(
                    status == 429 ? ConnectorErrorKind.RateLimited : ConnectorErrorKind.Unavailable,
                    wait is { } w && w > TimeSpan.FromSeconds(_options.MaxRetryAfterSeconds)
                        ? $"Confluence at {SiteUrl} asked to wait {w.TotalSeconds:0} s (HTTP {status}), longer than maxRetryAfterSeconds ({_options.MaxRetryAfterSeconds}); the next run resumes."
                        : $"Confluence at {SiteUrl} kept answering HTTP {status} after {MaxAttempts} attempts; the next run resumes.")
                {
                    RetryAfter = wait,
                };
            case >= HttpStatusCode.InternalServerError when IsCallerHandled(response):
                return new ConfluenceServerErrorException(response.StatusCode);
            case >= HttpStatusCode.InternalServerError:
                return new ConnectorException(
                    ConnectorErrorKind.Unavailable,
                    $"Confluence at {SiteUrl} kept failing with HTTP {status} for {uri.AbsolutePath}; the next run resumes.");
            default:
                var detail = await ReadErrorDetailAsync(response, cancellationToken);
                return new ConnectorException(
                    response.StatusCode == HttpStatusCode.BadRequest ? ConnectorErrorKind.Configuration : ConnectorErrorKind.InvalidData,
                    $"Confluence at {SiteUrl} refused {uri.AbsolutePath} with HTTP {status}: {detail}");
        }
    }

    private static bool IsCallerHandled(HttpResponseMessage response) =>
        response.RequestMessage?.Options.TryGetValue(s_callerHandlesServerErrors, out var handled) == true && handled;

    private static async Task<string> ReadErrorDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return Shorten(message.GetString()!);
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                var title = first.TryGetProperty("title", out var t) ? t.GetString() : null;
                var detail = first.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                return Shorten(string.Join(" ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s))));
            }

            return Shorten(body);
        }
        catch (JsonException)
        {
            return "(no readable error message)";
        }

        static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
    }
}

/// <summary>A JSON answer and the server's clock when it answered, if it said.</summary>
internal sealed record ConfluenceAnswer<T>(T Value, DateTimeOffset? ServerTime);

/// <summary>A 5xx answer the caller asked to handle itself (by retrying with a smaller page).</summary>
internal sealed class ConfluenceServerErrorException : Exception
{
    public ConfluenceServerErrorException(HttpStatusCode statusCode)
        : base($"Confluence answered HTTP {(int)statusCode}.")
    {
        StatusCode = statusCode;
    }

    public ConfluenceServerErrorException()
    {
    }

    public ConfluenceServerErrorException(string message)
        : base(message)
    {
    }

    public ConfluenceServerErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode StatusCode { get; }
}
