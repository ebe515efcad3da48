using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;

namespace ConnectorHost.MemorySync;

/// <summary>What an error answer says, whichever of the service's error shapes it came in.</summary>
/// <param name="Code">The error code (<c>VALIDATION_ERROR</c>, <c>limit_exceeded</c>), if any.</param>
/// <param name="Message">The service's message, if any.</param>
/// <param name="Details">Field-level details.</param>
/// <param name="RequestId">The body's <c>request_id</c>, if any.</param>
/// <param name="RetryAfter">The body's <c>retry_after</c> / <c>retry_after_seconds</c>, if any.</param>
internal sealed record ErrorBody(
    string? Code, string? Message, IReadOnlyList<string> Details, string? RequestId, TimeSpan? RetryAfter)
{
    /// <summary>The monthly quota of strict keys (<c>{"detail":{"error":"limit_exceeded"}}</c>), not a request rate.</summary>
    public bool IsQuota => string.Equals(Code, "limit_exceeded", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Turns error answers into the contract's exceptions. Reads the three error shapes deployments send (the documented
/// envelope <c>{"error":{code,message,details},"request_id"}</c>, the legacy flat <c>{"error","message"}</c> and
/// FastAPI's <c>{"detail": string | object | list}</c>) and bodies that are not JSON at all.
/// </summary>
/// <param name="apiKey">The key to keep out of every message, should a server or proxy echo it.</param>
internal sealed class MemorySyncErrors(string apiKey)
{
    private const int MaxQuotedBody = 300;
    private const string Redacted = "[redacted]";

    /// <summary>Reads an error body.</summary>
    /// <param name="body">The raw body.</param>
    /// <returns>What it says; all members empty when it says nothing readable.</returns>
    public static ErrorBody ReadBody(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(body).Trim();
            return new ErrorBody(null, text.Length == 0 ? null : Shorten(text), [], null, null);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new ErrorBody(null, Shorten(root.GetRawText()), [], null, null);
            }

            var requestId = MemorySyncResponses.GetString(root, "request_id");
            var retryAfter = ReadRetryAfter(root);
            if (root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object)
                {
                    return new ErrorBody(
                        MemorySyncResponses.GetString(error, "code") ?? MemorySyncResponses.GetString(error, "error"),
                        MemorySyncResponses.GetString(error, "message"),
                        error.TryGetProperty("details", out var details) ? ReadDetails(details) : [],
                        requestId ?? MemorySyncResponses.GetString(error, "request_id"),
                        retryAfter ?? ReadRetryAfter(error));
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    // Legacy flat: "error" names the class (ValidationError); a "code" beside it is more precise.
                    return new ErrorBody(
                        MemorySyncResponses.GetString(root, "code") ?? error.GetString(),
                        MemorySyncResponses.GetString(root, "message"),
                        root.TryGetProperty("details", out var details) ? ReadDetails(details) : [],
                        requestId,
                        retryAfter);
                }
            }

            if (root.TryGetProperty("detail", out var detail))
            {
                switch (detail.ValueKind)
                {
                    case JsonValueKind.String:
                        return new ErrorBody(null, detail.GetString(), [], requestId, retryAfter);
                    case JsonValueKind.Object:
                        return new ErrorBody(
                            MemorySyncResponses.GetString(detail, "code") ?? MemorySyncResponses.GetString(detail, "error"),
                            MemorySyncResponses.GetString(detail, "message") ?? MemorySyncResponses.GetString(detail, "msg"),
                            detail.TryGetProperty("details", out var details) ? ReadDetails(details) : [],
                            requestId,
                            retryAfter ?? ReadRetryAfter(detail));
                    case JsonValueKind.Array:
                        var list = ReadDetails(detail);
                        return new ErrorBody(null, list.Count > 0 ? list[0] : null, list, requestId, retryAfter);
                }
            }

            return new ErrorBody(
                MemorySyncResponses.GetString(root, "code"),
                MemorySyncResponses.GetString(root, "message") ?? MemorySyncResponses.GetString(root, "reason"),
                [],
                requestId,
                retryAfter);
        }
    }

    /// <summary>
    /// How long a 429 asks to wait: the <c>Retry-After</c> header (delta-seconds or HTTP-date), else the body's
    /// <c>retry_after</c> / <c>retry_after_seconds</c>.
    /// </summary>
    /// <param name="headers">The answer's headers.</param>
    /// <param name="body">What the body says.</param>
    /// <param name="now">The current time, for an HTTP-date.</param>
    /// <returns>The wait, or <see langword="null"/> when the answer does not say.</returns>
    public static TimeSpan? ReadRetryAfter(HttpResponseHeaders headers, ErrorBody body, DateTimeOffset now)
    {
        if (headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (header.Date is { } date)
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }
        else if (headers.TryGetValues("Retry-After", out var raw)
                 && double.TryParse(raw.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                 && double.IsFinite(seconds))
        {
            // Fractional seconds are not valid HTTP, but some gateways send them.
            return WaitOf(seconds);
        }

        return body.RetryAfter;
    }

    /// <summary>Creates the exception for an error answer.</summary>
    /// <param name="operation">The call, e.g. <c>POST /memory/add</c>.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="body">What the body says.</param>
    /// <param name="requestId">The <c>X-Request-ID</c> header, if any.</param>
    /// <param name="retryAfter">For a 429: how long the service asked to wait.</param>
    /// <returns>The exception to throw.</returns>
    public MemorySyncException Create(
        string operation, HttpStatusCode status, ErrorBody body, string? requestId, TimeSpan? retryAfter)
    {
        var code = Scrub(body.Code);
        var message = Scrub(body.Message);
        var details = body.Details.Select(detail => Scrub(detail)!).ToArray();
        requestId ??= body.RequestId;
        var statusCode = (int)status;
        var text = Describe(operation, statusCode, code, message, requestId);
        return statusCode switch
        {
            401 or 403 => new MemorySyncAuthException(text + " Check memorySync.apiKey (and its scopes).")
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation,
            },
            404 => new MemorySyncNotFoundException(text)
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation,
            },
            400 or 409 or 413 or 422 => new MemorySyncValidationException(
                details.Length == 0 ? text : $"{text} Details: {string.Join("; ", details)}")
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation,
            },
            429 => new MemorySyncRateLimitException(retryAfter is { } wait
                ? $"{text} The service asked to wait {FormatSeconds(wait)}."
                : text)
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation, RetryAfter = retryAfter, IsQuota = body.IsQuota,
            },
            408 => new MemorySyncNetworkException(text)
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation,
            },
            >= 500 => new MemorySyncServerException(text)
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation,
            },
            _ => new MemorySyncException(text)
            {
                StatusCode = statusCode, RequestId = requestId, ErrorCode = code, ServerMessage = message,
                Details = details, Operation = operation,
            },
        };
    }

    /// <summary>The exception for a call the client refused because an earlier 429 asked for too long a wait.</summary>
    public MemorySyncRateLimitException Refused(string operation, RateLimitRefusal refusal)
    {
        var code = Scrub(refusal.ErrorCode);
        var message = Scrub(refusal.ServerMessage);
        return new MemorySyncRateLimitException(
            $"MemorySync {operation} was not sent: the service asked to wait {FormatSeconds(refusal.RetryAfter)} " +
            $"(request {refusal.RequestId ?? "unknown"}), longer than the client waits by itself.")
        {
            StatusCode = 429, RequestId = refusal.RequestId, ErrorCode = code, ServerMessage = message,
            Operation = operation, RetryAfter = refusal.RetryAfter,
        };
    }

    /// <summary>The exception for an answer that arrived but could not be read.</summary>
    public MemorySyncException Unreadable(string operation, int status, string? requestId, Exception cause) =>
        new($"MemorySync {operation} answered {status} (request {requestId ?? "unknown"}), but the answer could not " +
            $"be read: {Scrub(cause.Message)}", cause is JsonException or FormatException ? null : cause)
        {
            StatusCode = status, RequestId = requestId, Operation = operation,
        };

    /// <summary>The exception for a call that got no answer.</summary>
    public MemorySyncNetworkException NoAnswer(string operation, string what, Exception? cause) =>
        new($"MemorySync {operation} got no answer: {Scrub(what)}", cause) { Operation = operation };

    /// <summary>Renders a JSON value of a detail list as one line of text.</summary>
    internal static string Describe(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            // FastAPI: {"loc":["body","text"],"msg":"...","type":"..."}; others: {"field":"text","message":"..."}.
            var message = MemorySyncResponses.GetString(value, "msg") ?? MemorySyncResponses.GetString(value, "message");
            var field = value.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array
                ? string.Join('.', loc.EnumerateArray()
                    .Select(part => part.ValueKind == JsonValueKind.String ? part.GetString()! : part.GetRawText())
                    .SkipWhile(part => part == "body"))
                : MemorySyncResponses.GetString(value, "field") ?? MemorySyncResponses.GetString(value, "loc");
            if (message is not null)
            {
                return string.IsNullOrEmpty(field) ? message : $"{field}: {message}";
            }
        }

        return Shorten(value.GetRawText());
    }

    private static List<string> ReadDetails(JsonElement details) => details.ValueKind switch
    {
        JsonValueKind.Array => [.. details.EnumerateArray().Select(Describe)],
        JsonValueKind.Object => [.. details.EnumerateObject().Select(p => $"{p.Name}: {Describe(p.Value)}")],
        JsonValueKind.String => [details.GetString()!],
        _ => [],
    };

    private static TimeSpan? ReadRetryAfter(JsonElement element)
    {
        foreach (var name in new[] { "retry_after", "retry_after_seconds" })
        {
            if (element.TryGetProperty(name, out var value))
            {
                var seconds = value.ValueKind switch
                {
                    JsonValueKind.Number => value.GetDouble(),
                    JsonValueKind.String when double.TryParse(
                        value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => double.NaN,
                };
                if (double.IsFinite(seconds))
                {
                    return WaitOf(seconds);
                }
            }
        }

        return null;
    }

    // A wait is at least nothing and at most a year: absurd values must not overflow a TimeSpan.
    private static TimeSpan WaitOf(double seconds) => TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 365 * 24 * 3600));

    private static string Describe(string operation, int status, string? code, string? message, string? requestId)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"MemorySync {operation} failed with {status}");
        if (code is not null)
        {
            text.Append(' ').Append(code);
        }

        if (message is not null)
        {
            text.Append(": ").Append(message);
        }

        return text.Append(CultureInfo.InvariantCulture, $" (request {requestId ?? "unknown"}).").ToString();
    }

    private static string FormatSeconds(TimeSpan wait) =>
        wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Shorten(string text) => text.Length <= MaxQuotedBody ? text : text[..MaxQuotedBody] + "…";

    private string? Scrub(string? text) =>
        text is null || apiKey.Length == 0 ? text : text.Replace(apiKey, Redacted, StringComparison.Ordinal);
}
