using System.Text.Json.Serialization;

namespace MemorySync.Emulator.Hosting;

/// <summary>
/// Everything the emulator's command line sets, bindable in-process (plain properties with defaults). Settings that
/// the admin surface can change at run time (tier, quota, error shape, ...) start from these values and return to
/// them on reset.
/// </summary>
public sealed class EmulatorOptions
{
    /// <summary>The key accepted when no key is configured.</summary>
    public const string DevelopmentApiKey = "ms_emulator_dev_key";

    /// <summary>The environment variable read for comma-separated API keys.</summary>
    public const string ApiKeysEnvironmentVariable = "MEMORYSYNC_EMULATOR_API_KEYS";

    /// <summary>Addresses to listen on (<c>;</c>-separated like ASP.NET Core's <c>--urls</c>). Port 0 picks a free port.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>Allows a non-loopback address in <see cref="Urls"/>; refused otherwise.</summary>
    public bool AllowRemote { get; set; }

    /// <summary>Accepted API keys (<c>X-API-Key</c>); empty means <see cref="DevelopmentApiKey"/> only.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Keys answered with 403 "API key revoked".</summary>
    public List<string> RevokedKeys { get; set; } = [];

    /// <summary>
    /// Bearer tokens accepted as dashboard sessions (<c>Authorization: Bearer</c>). Any other bearer token is
    /// answered with 401, even alongside a valid API key, because the service evaluates the bearer first.
    /// </summary>
    public List<string> BearerTokens { get; set; } = [];

    /// <summary>The account tier whose rate limits apply, unless <see cref="Limits"/> is set.</summary>
    public EmulatorTier Tier { get; set; } = EmulatorTier.Unlimited;

    /// <summary>Custom rate limits (per second, minute, hour) instead of the tier's.</summary>
    public RateLimits? Limits { get; set; }

    /// <summary>How the monthly quota behaves.</summary>
    public QuotaMode Quota { get; set; } = QuotaMode.Off;

    /// <summary>
    /// Memories the account may store per calendar month (UTC) before the quota applies; 0 means the account is over
    /// its quota from the start (with <see cref="Quota"/> silent or strict).
    /// </summary>
    public long MonthlyLimit { get; set; }

    /// <summary>A LiteDB file that keeps the state across restarts; <see langword="null"/> keeps it in memory.</summary>
    public string? DataFile { get; set; }

    /// <summary>The seed of fault randomness: the same seed and the same requests give the same faults.</summary>
    public int Seed { get; set; }

    /// <summary>Logs one line per request (off by default for speed).</summary>
    public bool Verbose { get; set; }

    /// <summary>The shape of error bodies.</summary>
    public ErrorShape ErrorShape { get; set; } = ErrorShape.Envelope;

    /// <summary>What a repeated Idempotency-Key with a different body gets.</summary>
    public IdempotencyConflictMode IdempotencyConflict { get; set; } = IdempotencyConflictMode.Replay;

    /// <summary>Extraction: a text of several paragraphs becomes up to three memories.</summary>
    public bool Extraction { get; set; }

    /// <summary>How memory ids are written in answers (some surfaces use <c>m_&lt;n&gt;</c> or <c>memory_id</c>).</summary>
    public IdStyle IdStyle { get; set; } = IdStyle.Numeric;

    /// <summary>How long an Idempotency-Key is remembered.</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The largest request body accepted (413 above).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The first webhook retry waits this long; each next one twice as long (with jitter).</summary>
    public TimeSpan WebhookRetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two webhook attempts.</summary>
    public TimeSpan WebhookRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts per webhook delivery before it is dead-lettered.</summary>
    public int WebhookMaxAttempts { get; set; } = 5;

    /// <summary>How long one webhook attempt may take.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive failures of one endpoint that open its circuit (deliveries then wait for the cool-down).</summary>
    public int WebhookCircuitBreakerThreshold { get; set; } = 5;

    /// <summary>How long an open circuit holds deliveries to its endpoint back.</summary>
    public TimeSpan WebhookCircuitBreakerCooldown { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The default signature of webhook deliveries (a webhook's <c>signature_config</c> overrides it).</summary>
    public WebhookSignatureOptions WebhookSignature { get; set; } = new();

    /// <summary>The clock of rate-limit windows, timestamps, quota months, latency faults and webhook retries.</summary>
    [JsonIgnore]
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The keys the emulator accepts: <see cref="ApiKeys"/>, or the development key when there are none.</summary>
    public IReadOnlyList<string> EffectiveApiKeys =>
        ApiKeys.Count == 0 ? [DevelopmentApiKey] : ApiKeys;

    /// <summary>The rate limits in force at start: <see cref="Limits"/> or the tier's.</summary>
    public RateLimits EffectiveLimits => Limits ?? RateLimits.ForTier(Tier);

    /// <summary>Checks the options and names the one that is wrong.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Urls))
        {
            throw new ArgumentException("Urls must name at least one address, e.g. http://127.0.0.1:0.");
        }

        EffectiveLimits.Validate();
        if (MonthlyLimit < 0)
        {
            throw new ArgumentException($"MonthlyLimit must be 0 or more (was {MonthlyLimit}).");
        }

        if (ApiKeys.Any(string.IsNullOrWhiteSpace) || RevokedKeys.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("API keys must not be empty.");
        }

        if (WebhookMaxAttempts < 1)
        {
            throw new ArgumentException($"WebhookMaxAttempts must be at least 1 (was {WebhookMaxAttempts}).");
        }

        if (WebhookRetryBaseDelay < TimeSpan.Zero || WebhookRetryMaxDelay < WebhookRetryBaseDelay)
        {
            throw new ArgumentException("WebhookRetryBaseDelay must be 0 or more and at most WebhookRetryMaxDelay.");
        }

        if (IdempotencyKeyLifetime <= TimeSpan.Zero || MaxRequestBodyBytes <= 0)
        {
            throw new ArgumentException("IdempotencyKeyLifetime and MaxRequestBodyBytes must be positive.");
        }

        WebhookSignature.Validate();
    }
}

/// <summary>How webhook deliveries are signed: an HMAC of the raw body with the webhook's secret.</summary>
public sealed record WebhookSignatureOptions
{
    /// <summary>The header that carries the signature.</summary>
    public string Header { get; init; } = "X-MemorySync-Signature";

    /// <summary>The HMAC algorithm: <c>sha256</c> or <c>sha512</c>.</summary>
    public string Algorithm { get; init; } = "sha256";

    /// <summary>How the MAC is written: <c>hex</c> (lower case) or <c>base64</c>.</summary>
    public string Encoding { get; init; } = "hex";

    /// <summary>Written before the MAC; <see langword="null"/> means <c>{Algorithm}=</c>.</summary>
    public string? Prefix { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">An unknown algorithm or encoding, or an empty header.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Header))
        {
            throw new ArgumentException("The webhook signature header must not be empty.");
        }

        if (Algorithm is not ("sha256" or "sha512"))
        {
            throw new ArgumentException($"The webhook signature algorithm must be sha256 or sha512 (was '{Algorithm}').");
        }

        if (Encoding is not ("hex" or "base64"))
        {
            throw new ArgumentException($"The webhook signature encoding must be hex or base64 (was '{Encoding}').");
        }
    }
}

/// <summary>MemorySync account tiers and their published rate limits.</summary>
public enum EmulatorTier
{
    /// <summary>2 per second, 30 per minute, 100 per hour.</summary>
    Free,

    /// <summary>10 per second, 200 per minute, 5,000 per hour.</summary>
    Pro,

    /// <summary>50 per second, 1,000 per minute, 50,000 per hour.</summary>
    Enterprise,

    /// <summary>1,000 per second, 60,000 per minute, 3,600,000 per hour.</summary>
    Unlimited,
}

/// <summary>Requests allowed per API key in each sliding window; all three must pass.</summary>
/// <param name="PerSecond">Requests per second.</param>
/// <param name="PerMinute">Requests per minute.</param>
/// <param name="PerHour">Requests per hour.</param>
public sealed record RateLimits(int PerSecond, int PerMinute, int PerHour)
{
    /// <summary>The published limits of a tier.</summary>
    /// <param name="tier">The tier.</param>
    /// <returns>Its limits.</returns>
    public static RateLimits ForTier(EmulatorTier tier) => tier switch
    {
        EmulatorTier.Free => new RateLimits(2, 30, 100),
        EmulatorTier.Pro => new RateLimits(10, 200, 5_000),
        EmulatorTier.Enterprise => new RateLimits(50, 1_000, 50_000),
        EmulatorTier.Unlimited => new RateLimits(1_000, 60_000, 3_600_000),
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown tier."),
    };

    /// <summary>Parses <c>perSecond,perMinute,perHour</c>.</summary>
    /// <param name="text">Three positive integers separated by commas.</param>
    /// <returns>The limits.</returns>
    /// <exception cref="FormatException">Not three positive integers.</exception>
    public static RateLimits Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3
            || !int.TryParse(parts[0], out var second)
            || !int.TryParse(parts[1], out var minute)
            || !int.TryParse(parts[2], out var hour)
            || second <= 0 || minute <= 0 || hour <= 0)
        {
            throw new FormatException($"Limits must be three positive integers 'perSecond,perMinute,perHour' (was '{text}').");
        }

        return new RateLimits(second, minute, hour);
    }

    /// <summary>Checks that every limit is positive.</summary>
    /// <exception cref="ArgumentException">A limit is zero or negative.</exception>
    public void Validate()
    {
        if (PerSecond <= 0 || PerMinute <= 0 || PerHour <= 0)
        {
            throw new ArgumentException($"Rate limits must be positive (were {PerSecond}/{PerMinute}/{PerHour}).");
        }
    }
}

/// <summary>How the monthly quota behaves once the account is over it.</summary>
public enum QuotaMode
{
    /// <summary>No quota.</summary>
    [JsonStringEnumMemberName("off")]
    Off,

    /// <summary>Production default: writes answer 200 <c>{"status":"ok"}</c> and store nothing; reads answer no memories.</summary>
    [JsonStringEnumMemberName("silent")]
    Silent,

    /// <summary>Evaluation keys: 429 <c>{"detail":{"error":"limit_exceeded",...}}</c>.</summary>
    [JsonStringEnumMemberName("strict")]
    Strict,
}

/// <summary>The shape of error bodies; the sources disagree, so clients must read all three.</summary>
public enum ErrorShape
{
    /// <summary>The documented envelope: <c>{"error":{"code","message","details"},"request_id"}</c>.</summary>
    [JsonStringEnumMemberName("envelope")]
    Envelope,

    /// <summary>The legacy flat shape: <c>{"error","message","request_id"}</c>.</summary>
    [JsonStringEnumMemberName("flat")]
    Flat,

    /// <summary>FastAPI's <c>{"detail": string | list | object}</c> (plus <c>request_id</c>).</summary>
    [JsonStringEnumMemberName("detail")]
    Detail,
}

/// <summary>How memory ids are written in answers; the sources disagree, so clients must read all three.</summary>
public enum IdStyle
{
    /// <summary>The documented integer: <c>"id": 42</c>.</summary>
    [JsonStringEnumMemberName("numeric")]
    Numeric,

    /// <summary>Prefixed strings, as some surfaces answer: <c>"id": "m_42"</c> (also in bulk results and forget).</summary>
    [JsonStringEnumMemberName("prefixed")]
    Prefixed,

    /// <summary>Older deployments: <c>"memory_id": 42</c> in place of <c>id</c>.</summary>
    [JsonStringEnumMemberName("memory_id")]
    MemoryId,
}

/// <summary>What a repeated Idempotency-Key with a different body gets (the service does not publish it).</summary>
public enum IdempotencyConflictMode
{
    /// <summary>The first answer, as for an identical body.</summary>
    [JsonStringEnumMemberName("replay")]
    Replay,

    /// <summary>409 with an error body.</summary>
    [JsonStringEnumMemberName("reject")]
    Reject,
}
