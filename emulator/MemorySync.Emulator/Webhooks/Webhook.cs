using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Webhooks;

/// <summary>A registered webhook endpoint (<c>/org/webhooks</c>).</summary>
internal sealed record Webhook
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required Uri Url { get; init; }

    public required IReadOnlyList<string> Events { get; init; }

    public required string Secret { get; init; }

    public string? AuthHeaderName { get; init; }

    public string? AuthHeaderValue { get; init; }

    public required WebhookSignatureOptions Signature { get; init; }

    public string? Description { get; init; }

    public string? ProjectId { get; init; }

    /// <summary>Attempts before dead-lettering (<c>retry_config.max_attempts</c>); the emulator's default when null.</summary>
    public int? MaxAttempts { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The events a webhook may subscribe to: the union of the two published lists.</summary>
internal static class WebhookEvents
{
    public const string MemoryCreated = "memory.created";
    public const string MemoryBatchCreated = "memory.batch_created";
    public const string MemoryUpdated = "memory.updated";
    public const string MemoryDeleted = "memory.deleted";
    public const string MemoryQueried = "memory.queried";
    public const string ApiRateLimited = "api.rate_limited";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        MemoryCreated, MemoryBatchCreated, MemoryUpdated, MemoryDeleted, MemoryQueried, "memory.recalled",
        "memory.superseded", "team.member_added", "team.member_removed", "api_key.created", "api_key.revoked",
        "billing.usage_threshold", ApiRateLimited,
    };
}
