using System.Text.Json;
using System.Text.Json.Serialization;
using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Admin;

/// <summary>A stored memory as the admin surface shows it, deleted ones included.</summary>
/// <param name="Id">The memory id.</param>
/// <param name="EndUserId">The end user it belongs to.</param>
/// <param name="Text">The stored text.</param>
/// <param name="Source">The source label.</param>
/// <param name="EventType">The event type label.</param>
/// <param name="Tags">The tags (lower case, distinct).</param>
/// <param name="Importance">The importance, 0 to 1.</param>
/// <param name="Metadata">The metadata object as sent.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="UpdatedAt">When its labels last changed.</param>
/// <param name="ExpiresAt">When it expires (<c>ttl_minutes</c>), if ever.</param>
/// <param name="DeletedAt">When it was forgotten, if it was.</param>
public sealed record EmulatorMemory(
    long Id,
    string EndUserId,
    string Text,
    string? Source,
    string? EventType,
    IReadOnlyList<string> Tags,
    double Importance,
    JsonElement Metadata,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? DeletedAt)
{
    /// <summary><see langword="true"/> when the memory was forgotten.</summary>
    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>A metadata value as a string (strings as they are, other JSON as raw text), or <see langword="null"/>.</summary>
    /// <param name="key">The metadata key.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    public string? MetadataValue(string key) =>
        Metadata.ValueKind == JsonValueKind.Object && Metadata.TryGetProperty(key, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;
}

/// <summary>Which memories <see cref="EmulatorAdminClient.GetMemoriesAsync"/> lists; every filter is optional.</summary>
public sealed record MemoryFilter
{
    /// <summary>Only this end user's memories.</summary>
    public string? EndUserId { get; init; }

    /// <summary>Only memories with this source label.</summary>
    public string? Source { get; init; }

    /// <summary>Only memories whose metadata has this key (and <see cref="MetadataValue"/>, when given).</summary>
    public string? MetadataKey { get; init; }

    /// <summary>The metadata value to match (strings as they are, other JSON as raw text).</summary>
    public string? MetadataValue { get; init; }

    /// <summary>Also lists forgotten memories.</summary>
    public bool IncludeDeleted { get; init; }
}

/// <summary>What the emulator counted since start or the last reset.</summary>
public sealed record EmulatorCounters
{
    /// <summary>Requests by route (<c>POST /memory/bulk-add</c>) and answer status (<c>207</c>, <c>dropped</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Requests { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, long>>();

    /// <summary>Requests refused by the rate limits (429 <c>RATE_LIMIT_EXCEEDED</c>), injected faults not included.</summary>
    public long RateLimited { get; init; }

    /// <summary>Requests answered by the monthly quota (silent or strict).</summary>
    public long QuotaLimited { get; init; }

    /// <summary>Items (single adds and bulk items) that stored at least one memory.</summary>
    public long ItemsCreated { get; init; }

    /// <summary>Memories stored (more than items when extraction splits texts).</summary>
    public long MemoriesCreated { get; init; }

    /// <summary>Items skipped as duplicates or low-value filler.</summary>
    public long ItemsSkipped { get; init; }

    /// <summary>Items refused as invalid (422 on a single add, <c>rejected</c> in a bulk).</summary>
    public long ItemsRejected { get; init; }

    /// <summary><c>DELETE /memory/forget</c> requests answered.</summary>
    public long Forgets { get; init; }

    /// <summary>Memories those requests deleted.</summary>
    public long MemoriesForgotten { get; init; }

    /// <summary>Answers replayed for a repeated Idempotency-Key.</summary>
    public long IdempotentReplays { get; init; }

    /// <summary>Requests an injected fault struck.</summary>
    public long FaultsInjected { get; init; }
}

/// <summary>The emulator's run-time settings (<c>GET /_emulator/settings</c>).</summary>
public sealed record EmulatorSettings
{
    /// <summary>The tier, or <see langword="null"/> when custom limits are in force.</summary>
    public EmulatorTier? Tier { get; init; }

    /// <summary>The rate limits in force.</summary>
    public required RateLimits Limits { get; init; }

    /// <summary>The quota mode.</summary>
    public QuotaMode Quota { get; init; }

    /// <summary>Memories allowed per month before the quota applies.</summary>
    public long MonthlyLimit { get; init; }

    /// <summary>Memories stored this month (read only).</summary>
    public long MonthlyUsed { get; init; }

    /// <summary>The error body shape.</summary>
    public ErrorShape ErrorShape { get; init; }

    /// <summary>What a repeated Idempotency-Key with a different body gets.</summary>
    public IdempotencyConflictMode IdempotencyConflict { get; init; }

    /// <summary>Whether extraction splits several paragraphs into up to three memories.</summary>
    public bool Extraction { get; init; }

    /// <summary>How memory ids are written in answers.</summary>
    public IdStyle IdStyle { get; init; }

    /// <summary>Whether the service is marked down (health 503, API 503).</summary>
    public bool ServiceDown { get; init; }

    /// <summary>
    /// A content policy for tests of poison items: an item whose text contains this marker is refused (rejected in a
    /// bulk, 422 on <c>add</c>) while the others are stored. <see langword="null"/> when off.
    /// </summary>
    public string? RefuseTextContaining { get; init; }
}

/// <summary>A change of settings (<c>PATCH /_emulator/settings</c>); <see langword="null"/> members stay.</summary>
public sealed record EmulatorSettingsUpdate
{
    /// <summary>Switch to a tier's limits.</summary>
    public EmulatorTier? Tier { get; init; }

    /// <summary>Switch to custom limits (wins over <see cref="Tier"/>).</summary>
    public RateLimits? Limits { get; init; }

    /// <summary>The quota mode.</summary>
    public QuotaMode? Quota { get; init; }

    /// <summary>Memories allowed per month.</summary>
    public long? MonthlyLimit { get; init; }

    /// <summary>The error body shape.</summary>
    public ErrorShape? ErrorShape { get; init; }

    /// <summary>What a repeated Idempotency-Key with a different body gets.</summary>
    public IdempotencyConflictMode? IdempotencyConflict { get; init; }

    /// <summary>Extraction on or off.</summary>
    public bool? Extraction { get; init; }

    /// <summary>How memory ids are written in answers.</summary>
    public IdStyle? IdStyle { get; init; }

    /// <summary>Marks the service down (true) or up (false).</summary>
    public bool? ServiceDown { get; init; }

    /// <summary>Refuse items whose text contains this marker; the empty string turns the policy off.</summary>
    public string? RefuseTextContaining { get; init; }
}

/// <summary>What an injected fault does.</summary>
public enum FaultKind
{
    /// <summary>Answers a server error (500, 502 or 503; one of <see cref="FaultRule.Statuses"/>).</summary>
    [JsonStringEnumMemberName("error")]
    Error,

    /// <summary>Answers 429 <c>RATE_LIMIT_EXCEEDED</c> with <c>Retry-After</c>.</summary>
    [JsonStringEnumMemberName("rate_limit")]
    RateLimit,

    /// <summary>Adds <see cref="FaultRule.LatencyMs"/> before (or after) processing; the answer is the real one.</summary>
    [JsonStringEnumMemberName("latency")]
    Latency,

    /// <summary>Aborts the connection without an answer.</summary>
    [JsonStringEnumMemberName("drop")]
    Drop,
}

/// <summary>When a fault strikes.</summary>
public enum FaultPhase
{
    /// <summary>Before processing: nothing is stored.</summary>
    [JsonStringEnumMemberName("before")]
    Before,

    /// <summary>After processing: the request is stored (and its Idempotency-Key remembered), but the answer is replaced or lost.</summary>
    [JsonStringEnumMemberName("after")]
    After,
}

/// <summary>
/// A fault to inject. As a rule (<see cref="EmulatorAdminClient.AddFaultAsync"/>) it strikes each matching request
/// with <see cref="Probability"/>, decided by the seed; as a step of a script
/// (<see cref="EmulatorAdminClient.ScriptFaultsAsync(FaultRule[])"/>) it strikes the next <see cref="Count"/> matching requests.
/// </summary>
public sealed record FaultRule
{
    /// <summary>The route path it applies to (<c>/memory/bulk-add</c>), or <c>*</c> for every route but the admin surface.</summary>
    public string Route { get; init; } = "*";

    /// <summary>The HTTP method it applies to, or <see langword="null"/> for any.</summary>
    public string? Method { get; init; }

    /// <summary>What it does.</summary>
    public FaultKind Kind { get; init; } = FaultKind.Error;

    /// <summary>Before or after processing.</summary>
    public FaultPhase Phase { get; init; } = FaultPhase.Before;

    /// <summary>The share of matching requests struck, 0 to 1 (rules only; script steps always strike).</summary>
    public double Probability { get; init; } = 1;

    /// <summary>How many requests it strikes before it is used up; <see langword="null"/> for no end (script steps: 1).</summary>
    public int? Count { get; init; }

    /// <summary>Statuses an <see cref="FaultKind.Error"/> answers, one picked per strike (default 500, 502, 503).</summary>
    public IReadOnlyList<int>? Statuses { get; init; }

    /// <summary><c>Retry-After</c> seconds of a <see cref="FaultKind.RateLimit"/> (the lower bound with <see cref="RetryAfterMaxSeconds"/>); default 1.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>When set, <c>Retry-After</c> is picked from <see cref="RetryAfterSeconds"/> to this, inclusive.</summary>
    public int? RetryAfterMaxSeconds { get; init; }

    /// <summary>Writes <c>Retry-After</c> as an HTTP date instead of seconds (the body keeps <c>retry_after</c> seconds).</summary>
    public bool RetryAfterAsHttpDate { get; init; }

    /// <summary>The latency a <see cref="FaultKind.Latency"/> adds, in milliseconds.</summary>
    public int? LatencyMs { get; init; }
}

/// <summary>The fault state (<c>GET /_emulator/faults</c>).</summary>
/// <param name="Rules">Active rules.</param>
/// <param name="Script">Script steps not used up yet, in order.</param>
public sealed record FaultState(IReadOnlyList<FaultRuleState> Rules, IReadOnlyList<FaultRuleState> Script);

/// <summary>A rule or script step and what it did so far.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Matched">Requests it matched.</param>
/// <param name="Struck">Requests it struck.</param>
/// <param name="Remaining">Strikes left, <see langword="null"/> for no end.</param>
public sealed record FaultRuleState(string Id, FaultRule Rule, long Matched, long Struck, int? Remaining);

/// <summary>The state of a webhook delivery.</summary>
public enum WebhookDeliveryState
{
    /// <summary>Not delivered yet; an attempt is running or scheduled.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>The endpoint answered 2xx.</summary>
    [JsonStringEnumMemberName("delivered")]
    Delivered,

    /// <summary>Given up: 410, or every attempt failed.</summary>
    [JsonStringEnumMemberName("dead_lettered")]
    DeadLettered,
}

/// <summary>One webhook event sent (or being sent) to one endpoint.</summary>
/// <param name="Id">The delivery id.</param>
/// <param name="WebhookId">The webhook.</param>
/// <param name="Url">The endpoint URL.</param>
/// <param name="EventType">The event, e.g. <c>memory.created</c>.</param>
/// <param name="EventId">The event id (also in the payload and the <c>X-MemorySync-Event-ID</c> header).</param>
/// <param name="Payload">The exact body sent.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Attempts">Every attempt so far.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while pending after a failure.</param>
/// <param name="DeadLetterReason">Why it was given up.</param>
public sealed record WebhookDelivery(
    string Id,
    string WebhookId,
    string Url,
    string EventType,
    string EventId,
    string Payload,
    WebhookDeliveryState State,
    IReadOnlyList<WebhookAttempt> Attempts,
    DateTimeOffset? NextAttemptAt,
    string? DeadLetterReason);

/// <summary>One attempt of a webhook delivery.</summary>
/// <param name="Number">1 for the first attempt.</param>
/// <param name="At">When it was made.</param>
/// <param name="StatusCode">The endpoint's answer, or <see langword="null"/> when none came.</param>
/// <param name="Error">What went wrong without an answer (timeout, refused).</param>
public sealed record WebhookAttempt(int Number, DateTimeOffset At, int? StatusCode, string? Error);

/// <summary>One API request as the emulator saw it (the last 2,000 are kept).</summary>
/// <param name="RequestId">The <c>X-Request-ID</c> it was answered with.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path.</param>
/// <param name="Route">The route template, e.g. <c>PATCH /memory/{id}</c>.</param>
/// <param name="Status">The status answered, 0 when the connection was dropped.</param>
/// <param name="EndUserId">The <c>X-End-User-ID</c>, if sent.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c>, if sent.</param>
/// <param name="Replayed">The answer was replayed for a repeated Idempotency-Key.</param>
/// <param name="Fault">The fault that struck it, e.g. <c>error:503:before</c>.</param>
/// <param name="At">When it arrived.</param>
public sealed record EmulatorRequest(
    string RequestId,
    string Method,
    string Path,
    string Route,
    int Status,
    string? EndUserId,
    string? IdempotencyKey,
    bool Replayed,
    string? Fault,
    DateTimeOffset At);
