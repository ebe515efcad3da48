using System.Net;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.MemorySync;

/// <summary>What the client tells the HTTP pipeline about a request, and what the pipeline tells back.</summary>
internal static class MemorySyncRequest
{
    /// <summary>The call as logged and reported, e.g. <c>POST /memory/add</c>.</summary>
    public static readonly HttpRequestOptionsKey<string> Operation = new("MemorySync.Operation");

    /// <summary>The lane the request waits in; absent for requests that bypass the limiter (<c>/health</c>).</summary>
    public static readonly HttpRequestOptionsKey<string> Lane = new("MemorySync.Lane");

    /// <summary>How many attempts were made so far.</summary>
    public static readonly HttpRequestOptionsKey<int> Attempts = new("MemorySync.Attempts");

    /// <summary>The 429 of the last attempt, and whether the client waits it out.</summary>
    public static readonly HttpRequestOptionsKey<RateLimitOutcome> RateLimit = new("MemorySync.RateLimit");

    /// <summary>Set on requests that are answered as they come, never retried (<c>/health</c>).</summary>
    public static readonly HttpRequestOptionsKey<bool> NoRetry = new("MemorySync.NoRetry");

    /// <summary>The request's <see cref="Operation"/>, or its method and path when it names none.</summary>
    public static string OperationOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(Operation, out var name) ? name : $"{request.Method} {request.RequestUri?.AbsolutePath}";
}

/// <summary>A 429 as the pipeline saw it.</summary>
/// <param name="Refusal">The wait the gate holds for, and the facts of the answer.</param>
/// <param name="ToldRetryAfter">The wait the answer named, if it named one.</param>
/// <param name="IsQuota">The monthly quota of a strict key: waiting does not help.</param>
/// <param name="WaitedOut">The wait is short enough that the client waits it out and tries again.</param>
internal sealed record RateLimitOutcome(RateLimitRefusal Refusal, TimeSpan? ToldRetryAfter, bool IsQuota, bool WaitedOut);

/// <summary>
/// The innermost step of the MemorySync pipeline, run once per attempt: reads the whole answer (so that a connection
/// dropped mid-body is retried like any other), logs one line per attempt, and closes the client-wide gate on a 429.
/// </summary>
/// <remarks>Never logs headers or bodies: the API key travels in a header, the content is the customer's.</remarks>
internal sealed partial class MemorySyncAttemptHandler(
    RetryAfterGate gate, MemorySyncOptions options, TimeProvider timeProvider, ILogger<MemorySyncAttemptHandler> logger)
    : DelegatingHandler
{
    // Answers are small (a bulk result lists at most 50 items); a runaway body is cut off, not buffered whole.
    private const long MaxAnswerBytes = 16 * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var attempt = request.Options.TryGetValue(MemorySyncRequest.Attempts, out var previous) ? previous + 1 : 1;
        request.Options.Set(MemorySyncRequest.Attempts, attempt);
        var operation = MemorySyncRequest.OperationOf(request);
        var lane = request.Options.TryGetValue(MemorySyncRequest.Lane, out var laneName) ? laneName : null;
        var started = timeProvider.GetTimestamp();

        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await response.Content.LoadIntoBufferAsync(MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            response?.Dispose();
            LogNoAnswer(logger, operation, ElapsedMs(started), attempt, lane, exception.GetType().Name);
            throw;
        }

        var requestId = RequestIdOf(response);
        LogAnswered(logger, operation, (int)response.StatusCode, ElapsedMs(started), requestId, attempt, lane);

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            request.Options.Set(MemorySyncRequest.RateLimit, await OnRateLimitedAsync(
                response, operation, lane, attempt, requestId, cancellationToken).ConfigureAwait(false));
        }

        return response;
    }

    /// <summary>The answer's <c>X-Request-ID</c>.</summary>
    internal static string? RequestIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Request-ID", out var values) ? values.FirstOrDefault() : null;

    private async Task<RateLimitOutcome> OnRateLimitedAsync(
        HttpResponseMessage response, string operation, string? lane, int attempt, string? requestId, CancellationToken cancellationToken)
    {
        var body = MemorySyncErrors.ReadBody(
            await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        var told = MemorySyncErrors.ReadRetryAfter(response.Headers, body, timeProvider.GetUtcNow());
        var refusal = new RateLimitRefusal(
            told ?? BackOff(attempt), requestId ?? body.RequestId, body.Code, body.Message);
        if (body.IsQuota)
        {
            // The monthly quota resets next month: no point holding the client, nor trying again.
            logger.LogWarning(
                "MemorySync {Operation} refused: the account's monthly quota is used up (request {RequestId}, lane {Lane})",
                operation, refusal.RequestId, lane);
            return new RateLimitOutcome(refusal, told, IsQuota: true, WaitedOut: false);
        }

        var waitedOut = gate.Hold(refusal);
        if (waitedOut)
        {
            logger.LogWarning(
                "MemorySync rate limit on {Operation}: holding every request for {RetryAfterSeconds} s " +
                "(request {RequestId}, attempt {Attempt}, lane {Lane})",
                operation, refusal.RetryAfter.TotalSeconds, refusal.RequestId, attempt, lane);
        }
        else
        {
            logger.LogWarning(
                "MemorySync rate limit on {Operation} asks for {RetryAfterSeconds} s, more than the {MaxWaitSeconds} s " +
                "the client waits; calls fail until then (request {RequestId}, lane {Lane})",
                operation, refusal.RetryAfter.TotalSeconds, gate.MaxWait.TotalSeconds, refusal.RequestId, lane);
        }

        return new RateLimitOutcome(refusal, told, IsQuota: false, WaitedOut: waitedOut);
    }

    // A 429 that names no wait is held like a server error is backed off: the base delay, doubled per attempt.
    private TimeSpan BackOff(int attempt)
    {
        var delay = options.RetryBaseDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        return delay < options.MaxRetryAfter ? delay : options.MaxRetryAfter;
    }

    private long ElapsedMs(long started) => (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;

    // One line per attempt is the hot path of logging: generated, so nothing is formatted or boxed when Debug is off.
    [LoggerMessage(Level = LogLevel.Debug,
        Message = "MemorySync {Operation} answered {Status} in {ElapsedMs} ms (request {RequestId}, attempt {Attempt}, lane {Lane})")]
    private static partial void LogAnswered(
        ILogger logger, string operation, int status, long elapsedMs, string? requestId, int attempt, string? lane);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "MemorySync {Operation} got no answer after {ElapsedMs} ms (attempt {Attempt}, lane {Lane}): {Failure}")]
    private static partial void LogNoAnswer(
        ILogger logger, string operation, long elapsedMs, int attempt, string? lane, string failure);
}
