using System.Text.Json;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Memories;

namespace MemorySync.Emulator.Api;

/// <summary>
/// Error bodies in the shape the settings ask for. Every body carries <c>request_id</c>. The envelope is the
/// documented <c>{"error":{"code","message","details"},"request_id"}</c>; the flat shape names the error class
/// (<c>ValidationError</c>); the FastAPI shape puts a list of field errors (422), an object with the code (400,
/// 409) or the message (everything else) in <c>detail</c>.
/// </summary>
internal static class ApiErrors
{
    public static ApiResult Create(
        HttpContext context,
        ErrorShape shape,
        int status,
        string code,
        string message,
        IReadOnlyList<FieldError>? details = null,
        int? retryAfterSeconds = null)
    {
        var requestId = RequestState.Of(context).RequestId;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (shape)
            {
                case ErrorShape.Flat:
                    json.WriteString("error", ClassName(status));
                    json.WriteString("code", code);
                    json.WriteString("message", message);
                    WriteDetails(json, details);
                    WriteRetryAfter(json, retryAfterSeconds);
                    break;
                case ErrorShape.Detail:
                    json.WritePropertyName("detail");
                    if (details is { Count: > 0 })
                    {
                        WriteDetailList(json, details);
                    }
                    else if (status is 400 or 409)
                    {
                        json.WriteStartObject();
                        json.WriteString("code", code);
                        json.WriteString("message", message);
                        json.WriteEndObject();
                    }
                    else
                    {
                        json.WriteStringValue(message);
                    }

                    WriteRetryAfter(json, retryAfterSeconds);
                    break;
                default:
                    json.WriteStartObject("error");
                    json.WriteString("code", code);
                    json.WriteString("message", message);
                    WriteDetails(json, details);
                    WriteRetryAfter(json, retryAfterSeconds);
                    json.WriteEndObject();
                    break;
            }

            json.WriteString("request_id", requestId);
            json.WriteEndObject();
        }

        return ApiResult.Raw(status, buffer.ToArray(), retryAfterSeconds);
    }

    /// <summary>422 <c>VALIDATION_ERROR</c> with field details; the message names the first problem.</summary>
    public static ApiResult Validation(HttpContext context, ErrorShape shape, IReadOnlyList<FieldError> errors)
    {
        var message = errors.Count == 1
            ? errors[0].Describe()
            : $"{errors[0].Describe()} (and {errors.Count - 1} more)";
        return Create(context, shape, 422, "VALIDATION_ERROR", message, errors);
    }

    /// <summary>The documented rate-limit answer: 429 with Retry-After and <c>retry_after</c>.</summary>
    public static ApiResult RateLimited(HttpContext context, ErrorShape shape, string window, int retryAfterSeconds) =>
        Create(
            context,
            shape,
            429,
            "RATE_LIMIT_EXCEEDED",
            $"Rate limit exceeded ({window}). Try again in {retryAfterSeconds} seconds.",
            retryAfterSeconds: retryAfterSeconds);

    /// <summary>The strict monthly quota answer, in its one published shape whatever the setting.</summary>
    public static ApiResult QuotaExceeded(HttpContext context)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("detail");
            json.WriteString("error", "limit_exceeded");
            json.WriteString("message", "You have reached your monthly limit. Upgrade your plan.");
            json.WriteEndObject();
            json.WriteString("request_id", RequestState.Of(context).RequestId);
            json.WriteEndObject();
        }

        return ApiResult.Raw(429, buffer.ToArray());
    }

    public static string CodeFor(int status) => status switch
    {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        422 => "VALIDATION_ERROR",
        429 => "RATE_LIMIT_EXCEEDED",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        >= 500 => "INTERNAL_ERROR",
        _ => "ERROR",
    };

    private static string ClassName(int status) => status switch
    {
        400 or 409 or 422 => "ValidationError",
        401 => "AuthenticationError",
        403 => "PermissionDeniedError",
        404 => "NotFoundError",
        429 => "RateLimitError",
        >= 500 => "ServerError",
        _ => "Error",
    };

    private static void WriteDetails(Utf8JsonWriter json, IReadOnlyList<FieldError>? details)
    {
        if (details is { Count: > 0 })
        {
            json.WritePropertyName("details");
            WriteDetailList(json, details);
        }
    }

    private static void WriteDetailList(Utf8JsonWriter json, IReadOnlyList<FieldError> details)
    {
        json.WriteStartArray();
        foreach (var detail in details)
        {
            json.WriteStartObject();
            json.WriteStartArray("loc");
            foreach (var part in detail.Loc)
            {
                if (part is int index)
                {
                    json.WriteNumberValue(index);
                }
                else
                {
                    json.WriteStringValue(part.ToString());
                }
            }

            json.WriteEndArray();
            json.WriteString("msg", detail.Message);
            json.WriteString("type", detail.Type);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteRetryAfter(Utf8JsonWriter json, int? retryAfterSeconds)
    {
        if (retryAfterSeconds is { } seconds)
        {
            json.WriteNumber("retry_after", seconds);
        }
    }
}
