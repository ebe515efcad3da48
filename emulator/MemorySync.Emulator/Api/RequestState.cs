namespace MemorySync.Emulator.Api;

/// <summary>What the pipeline learns about one API request, shared by the middleware, the filters and the handler.</summary>
internal sealed class RequestState(string requestId, DateTimeOffset arrivedAt)
{
    public string RequestId { get; } = requestId;

    public DateTimeOffset ArrivedAt { get; } = arrivedAt;

    /// <summary>A digest of the caller's credential (never the credential itself), for rate limits and idempotency.</summary>
    public string? CallerId { get; set; }

    public string? EndUserId { get; set; }

    public byte[]? Body { get; set; }

    public bool Replayed { get; set; }

    public string? Fault { get; set; }

    public bool Dropped { get; set; }

    /// <summary>The monthly quota answered instead of the handler (such answers are not remembered for a key).</summary>
    public bool QuotaApplied { get; set; }

    public static RequestState Of(HttpContext context) =>
        context.Features.Get<RequestState>() ?? throw new InvalidOperationException("The request has no RequestState.");

    public static string NewRequestId() => $"req_{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))}";
}
