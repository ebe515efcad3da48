using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;
using Polly.Timeout;

namespace ConnectorHost.MemorySync;

/// <summary>
/// The MemorySync HTTP API for the whole process. Requests run through the pipeline that
/// <see cref="MemorySyncServiceCollectionExtensions.AddMemorySync"/> builds: fair lanes and the account's rate limits,
/// the client-wide 429 gate, retries and per-attempt timeouts.
/// </summary>
/// <remarks>
/// Writes always carry an <c>Idempotency-Key</c>: the caller's, or one the client makes for the call, so a retry after
/// a lost answer is replayed by the service instead of stored twice. Thread-safe.
/// </remarks>
internal sealed class MemorySyncClient : IMemorySyncClient
{
    /// <summary>The name of the client's HTTP client in <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "MemorySync";

    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private static readonly ProductInfoHeaderValue s_userAgent = new("ConnectorHost", ProductVersion());

    private readonly HttpClient _http;
    private readonly MemorySyncOptions _options;
    private readonly FairLaneLimiter _lanes;
    private readonly MemorySyncErrors _errors;
    private readonly Uri _baseUrl;

    /// <summary>Creates the client.</summary>
    /// <param name="http">An HTTP client with the MemorySync pipeline.</param>
    /// <param name="options">The options.</param>
    /// <param name="lanes">The fair limiter (for queue lengths).</param>
    public MemorySyncClient(HttpClient http, MemorySyncOptions options, FairLaneLimiter lanes)
    {
        _http = http;
        _options = options;
        _lanes = lanes;
        _errors = new MemorySyncErrors(options.ApiKey);
        // Relative paths resolve under the base only when it ends with a slash (https://gw.example/memorysync/).
        var baseUrl = options.BaseUrl.AbsoluteUri;
        _baseUrl = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
    }

    /// <summary>The number of requests waiting for the rate limiter, per lane (connector); for status and metrics.</summary>
    public IReadOnlyDictionary<string, int> QueueLengths => _lanes.QueueLengths;

    /// <summary>Until when the client holds every request back after a 429, or <see langword="null"/>; for status.</summary>
    public DateTimeOffset? RateLimitedUntil => _lanes.Gate.HoldingUntil;

    /// <inheritdoc />
    public async Task<MemoryAddResult> AddAsync(
        string endUserId, MemoryItem item, MemoryWriteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        ArgumentNullException.ThrowIfNull(item);
        var body = MemorySyncWire.SerializeAdd(endUserId, item, options?.Deduplicate);
        var answer = await SendAsync(
            HttpMethod.Post, "/memory/add", "memory/add", endUserId, body, options?.IdempotencyKey ?? NewIdempotencyKey(), cancellationToken)
            .ConfigureAwait(false);
        return Read(answer, root => MemorySyncResponses.ReadAdd(root, answer.RequestId));
    }

    /// <inheritdoc />
    public Task<BulkAddResult> BulkAddAsync(
        string endUserId, IReadOnlyList<MemoryItem> items, MemoryWriteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        var body = MemorySyncWire.SerializeBulkAdd(items, options?.Deduplicate);
        return SendBulkAddAsync(endUserId, body, items.Count, options?.IdempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Sends a bulk-add body exactly as given (<c>POST /memory/bulk-add</c>): the delivery outbox stores the bytes of
    /// a batch before sending and re-sends them unchanged, with the same key, after a crash.
    /// </summary>
    /// <param name="endUserId">The end user the memories belong to.</param>
    /// <param name="jsonBody">A body as <see cref="MemorySyncWire.SerializeBulkAdd"/> writes it.</param>
    /// <param name="idempotencyKey">The batch's key; <see langword="null"/> makes one for this call only.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One result per item, in input order.</returns>
    public Task<BulkAddResult> BulkAddRawAsync(
        string endUserId, ReadOnlyMemory<byte> jsonBody, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        return SendBulkAddAsync(endUserId, jsonBody, MemorySyncWire.CountBulkItems(jsonBody), idempotencyKey, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<MemoryQueryResult> QueryAsync(string endUserId, MemoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        var answer = await SendAsync(
            HttpMethod.Post, "/memory/query", "memory/query", endUserId, MemorySyncWire.SerializeQuery(query), null, cancellationToken)
            .ConfigureAwait(false);
        return Read(answer, root => MemorySyncResponses.ReadQuery(root, answer.RequestId));
    }

    /// <inheritdoc />
    public async Task<Memory> GetAsync(string endUserId, long memoryId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        var answer = await SendAsync(HttpMethod.Get, "/memory/{id}", $"memory/{memoryId}", endUserId, null, null, cancellationToken)
            .ConfigureAwait(false);
        return Read(answer, MemorySyncResponses.ReadMemory);
    }

    /// <inheritdoc />
    public async Task<Memory> UpdateLabelsAsync(
        string endUserId, long memoryId, MemoryLabels labels, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        var answer = await SendAsync(
            HttpMethod.Patch, "/memory/{id}", $"memory/{memoryId}", endUserId, MemorySyncWire.SerializeLabels(labels), null, cancellationToken)
            .ConfigureAwait(false);
        return Read(answer, MemorySyncResponses.ReadMemory);
    }

    /// <inheritdoc />
    public async Task<ForgetResult> ForgetAsync(
        string endUserId, IReadOnlyCollection<long> memoryIds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endUserId);
        ArgumentNullException.ThrowIfNull(memoryIds);
        if (memoryIds.Count == 0)
        {
            return new ForgetResult([], null);
        }

        var answer = await SendAsync(
            HttpMethod.Delete, "/memory/forget", "memory/forget", endUserId, MemorySyncWire.SerializeForget(memoryIds), null, cancellationToken)
            .ConfigureAwait(false);
        return Read(answer, root => MemorySyncResponses.ReadForget(root, memoryIds, answer.RequestId));
    }

    /// <inheritdoc />
    public async Task<MemorySyncHealth> GetHealthAsync(CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Get, "/health", "health", null, null, null, cancellationToken).ConfigureAwait(false);
        return Read(answer, MemorySyncResponses.ReadHealth);
    }

    private async Task<BulkAddResult> SendBulkAddAsync(
        string endUserId, ReadOnlyMemory<byte> body, int itemCount, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(
            HttpMethod.Post, "/memory/bulk-add", "memory/bulk-add", endUserId, body, idempotencyKey ?? NewIdempotencyKey(), cancellationToken)
            .ConfigureAwait(false);
        return Read(answer, root => MemorySyncResponses.ReadBulkAdd(root, itemCount, answer.RequestId));
    }

    /// <summary>Sends one call through the pipeline; returns its successful answer or throws the mapped exception.</summary>
    /// <param name="method">The method.</param>
    /// <param name="route">The route as reported, e.g. <c>/memory/{id}</c>.</param>
    /// <param name="path">The path under the base address, without a leading slash.</param>
    /// <param name="endUserId">The end user; <see langword="null"/> for the unauthenticated <c>/health</c>.</param>
    /// <param name="body">The JSON body, if any.</param>
    /// <param name="idempotencyKey">The key of a write.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    private async Task<Answer> SendAsync(
        HttpMethod method,
        string route,
        string path,
        string? endUserId,
        ReadOnlyMemory<byte>? body,
        string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var operation = $"{method.Method} {route}";
        RequireHeaderValue(endUserId, nameof(endUserId));
        RequireHeaderValue(idempotencyKey, "options.IdempotencyKey");
        using var request = new HttpRequestMessage(method, new Uri(_baseUrl, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(s_userAgent);
        request.Options.Set(MemorySyncRequest.Operation, operation);
        if (endUserId is null)
        {
            // Health is limited per IP, not per account: it takes no lane (so it never waits behind a busy sync) and
            // reports what it finds at once, without retries.
            request.Options.Set(MemorySyncRequest.NoRetry, true);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("X-API-Key", _options.ApiKey);
            request.Headers.TryAddWithoutValidation("X-End-User-ID", endUserId);
            if (!string.IsNullOrEmpty(_options.ProjectId))
            {
                request.Headers.TryAddWithoutValidation("X-Project-ID", _options.ProjectId);
            }

            request.Options.Set(MemorySyncRequest.Lane, MemorySyncLane.Current);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        if (body is { } content)
        {
            request.Content = new ReadOnlyMemoryContent(content);
            request.Content.Headers.ContentType = s_json;
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RateLimitRefusedException refused)
        {
            throw _errors.Refused(operation, refused.Refusal);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException timeout)
        {
            throw _errors.NoAnswer(operation, $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s", timeout);
        }
        catch (Exception failure) when (failure is HttpRequestException or IOException or OperationCanceledException)
        {
            throw _errors.NoAnswer(operation, failure.Message, failure);
        }

        using (response)
        {
            var requestId = MemorySyncAttemptHandler.RequestIdOf(response);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return new Answer(operation, (int)response.StatusCode, bytes, requestId);
            }

            var error = MemorySyncErrors.ReadBody(bytes);
            var retryAfter = request.Options.TryGetValue(MemorySyncRequest.RateLimit, out var rateLimit)
                ? rateLimit.ToldRetryAfter
                : null;
            throw _errors.Create(operation, response.StatusCode, error, requestId, retryAfter);
        }
    }

    private T Read<T>(Answer answer, Func<JsonElement, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body.Length == 0 ? "{}"u8.ToArray() : answer.Body);
            return read(document.RootElement);
        }
        catch (Exception exception) when (exception is JsonException or FormatException)
        {
            throw _errors.Unreadable(answer.Operation, answer.Status, answer.RequestId, exception);
        }
    }

    // Header values travel as ASCII; anything else would fail on the wire, every retry alike.
    private static void RequireHeaderValue(string? value, string name)
    {
        if (value is not null && !value.All(c => c is >= ' ' and < '\u007f'))
        {
            throw new ArgumentException($"{name} may hold printable ASCII characters only.", name);
        }
    }

    // One key per logical call: every retry of the call re-sends it, so the service stores the write once.
    private static string NewIdempotencyKey() => "ch-" + Guid.NewGuid().ToString("N");

    private static string ProductVersion()
    {
        var version = typeof(MemorySyncClient).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    private sealed record Answer(string Operation, int Status, byte[] Body, string? RequestId);
}
