using System.Globalization;
using System.Text.Json.Serialization.Metadata;

namespace MemorySync.Emulator.Api;

/// <summary>
/// An answer as bytes, so that the pipeline can remember it for an Idempotency-Key, replace it with a fault after
/// processing, or drop the connection instead of sending it.
/// </summary>
internal sealed class ApiResult : IResult
{
    private ApiResult(int status, byte[] body, int? retryAfterSeconds, bool abort)
    {
        Status = status;
        Body = body;
        RetryAfterSeconds = retryAfterSeconds;
        IsAbort = abort;
    }

    public int Status { get; }

    public byte[] Body { get; }

    public int? RetryAfterSeconds { get; }

    public bool IsAbort { get; }

    public bool IsReplay { get; private init; }

    /// <summary>When set, <c>Retry-After</c> is written as this HTTP date instead of seconds.</summary>
    public DateTimeOffset? RetryAfterDate { get; private init; }

    /// <summary>Closes the connection without an answer.</summary>
    public static ApiResult Abort { get; } = new(0, [], null, abort: true);

    public static ApiResult Json<T>(int status, T value, JsonTypeInfo<T> typeInfo) =>
        new(status, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), null, abort: false);

    public static ApiResult Raw(int status, byte[] body, int? retryAfterSeconds = null) =>
        new(status, body, retryAfterSeconds, abort: false);

    public static ApiResult Replay(int status, byte[] body) =>
        new(status, body, null, abort: false) { IsReplay = true };

    public ApiResult WithRetryAfterDate(DateTimeOffset date) =>
        new(Status, Body, RetryAfterSeconds, IsAbort) { RetryAfterDate = date };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        if (IsAbort)
        {
            RequestState.Of(httpContext).Dropped = true;
            httpContext.Abort();
            return;
        }

        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json";
        response.ContentLength = Body.Length;
        if (RetryAfterDate is { } date)
        {
            response.Headers.RetryAfter = date.ToString("R", CultureInfo.InvariantCulture);
        }
        else if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (IsReplay)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }

        await response.Body.WriteAsync(Body, httpContext.RequestAborted);
    }
}
