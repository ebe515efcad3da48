using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace ConnectorHost.MemorySync;

/// <summary>
/// The resilience pipeline every MemorySync request runs through, outermost first:
/// retry (server errors, 408, timeouts, lost connections, and 429s the client waits out) ▸ lane turn and permit
/// (fair limiter and 429 gate) ▸ per-attempt timeout. A retry re-sends the same request message: the same bytes and
/// the same <c>Idempotency-Key</c>.
/// </summary>
internal static partial class MemorySyncResilience
{
    /// <summary>Adds the strategies to the pipeline of the MemorySync HTTP client.</summary>
    /// <param name="pipeline">The pipeline builder.</param>
    /// <param name="options">The client options.</param>
    /// <param name="lanes">The fair limiter.</param>
    /// <param name="logger">Where each retry is reported, in one line without a stack trace.</param>
    public static void Configure(
        ResiliencePipelineBuilder<HttpResponseMessage> pipeline, MemorySyncOptions options, FairLaneLimiter lanes, ILogger logger)
    {
        if (options.MaxRetries > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                // A 429 is waited out by the gate, in front of every request, not by this one request alone.
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests ? TimeSpan.Zero : null),
                OnRetry = args =>
                {
                    // 429 holds are reported by the attempt handler, which knows the wait the service asked for.
                    if (args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests)
                    {
                        LogRetry(
                            logger,
                            OperationOf(args.Context),
                            args.Outcome.Exception is { } failure ? failure.GetType().Name : $"HTTP {(int)args.Outcome.Result!.StatusCode}",
                            Math.Round(args.RetryDelay.TotalSeconds, 1),
                            args.AttemptNumber + 1,
                            options.MaxRetries);
                    }

                    return ValueTask.CompletedTask;
                },
            });
        }

        pipeline.AddRateLimiter(new RateLimiterStrategyOptions
        {
            RateLimiter = args =>
                args.Context.GetRequestMessage()?.Options.TryGetValue(MemorySyncRequest.Lane, out var lane) == true
                    ? lanes.WaitTurnAsync(lane, args.Context.CancellationToken)
                    : ValueTask.FromResult(FairLaneLimiter.Bypass),
        });

        pipeline.AddTimeout(options.RequestTimeout);
    }

    private static string OperationOf(ResilienceContext context) =>
        context.GetRequestMessage() is { } request ? MemorySyncRequest.OperationOf(request) : "request";

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "MemorySync {Operation} failed with {Failure}; retry {Retry} of {MaxRetries} in {DelaySeconds} s (same request, same idempotency key)")]
    private static partial void LogRetry(ILogger logger, string operation, string failure, double delaySeconds, int retry, int maxRetries);

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (context.GetRequestMessage()?.Options.TryGetValue(MemorySyncRequest.NoRetry, out var noRetry) == true && noRetry)
        {
            return false;
        }

        if (outcome.Exception is { } exception)
        {
            return exception is HttpRequestException or TimeoutRejectedException or IOException;
        }

        var response = outcome.Result!;
        return response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests => response.RequestMessage?.Options
                .TryGetValue(MemorySyncRequest.RateLimit, out var rateLimit) == true && rateLimit.WaitedOut,
            HttpStatusCode.RequestTimeout => true,
            _ => (int)response.StatusCode >= 500,
        };
    }
}
