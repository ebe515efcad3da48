namespace ConnectorHost.MemorySync;

/// <summary>
/// How the host reaches MemorySync: the <c>memorySync</c> section of plugins.json. Delivery to the real service and
/// to the emulator differ only in these values.
/// </summary>
internal sealed class MemorySyncOptions
{
    /// <summary>The service's address; a path prefix (a proxy, a regional gateway) and a trailing slash both work.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.memorysync.io");

    /// <summary>The account's API key, sent as <c>X-API-Key</c>. A secret: never logged or shown.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Sent as <c>X-Project-ID</c> when set (keys that are not locked to one project need it).</summary>
    public string? ProjectId { get; set; }

    /// <summary>The account's plan; sizes the client-side rate limiter. Default <see cref="MemorySyncTier.Pro"/>.</summary>
    public MemorySyncTier Tier { get; set; } = MemorySyncTier.Pro;

    /// <summary>
    /// Replaces the tier's published limits window by window (a negotiated contract, a shared key); a window left
    /// unset keeps the tier's value. Optional.
    /// </summary>
    public MemorySyncLimits? Limits { get; set; }

    /// <summary>How long one attempt may take, from sending to the last byte of the answer. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a call is tried again after a server error, timeout, lost connection or 429. Default 4.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>
    /// The longest <c>Retry-After</c> the client waits out by itself (holding back every request meanwhile); a
    /// longer one fails the call at once with <see cref="Abstractions.MemorySync.MemorySyncRateLimitException"/>.
    /// Default 120 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The first back-off delay between retries; it doubles per attempt, with jitter. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Lists what is wrong with these options, naming each key as plugins.json spells it.</summary>
    /// <returns>One line per problem; empty when the options are usable.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add("memorySync.baseUrl must be an absolute http or https address, e.g. https://api.memorysync.io.");
        }

        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            problems.Add("memorySync.apiKey is empty; set it, e.g. \"${env:MEMORYSYNC_API_KEY}\".");
        }
        else if (!IsHeaderSafe(ApiKey))
        {
            // The value itself is never repeated: it is a secret.
            problems.Add("memorySync.apiKey contains spaces or characters that cannot be sent in an HTTP header.");
        }

        if (ProjectId is not null && !IsHeaderSafe(ProjectId))
        {
            problems.Add("memorySync.projectId contains spaces or characters that cannot be sent in an HTTP header.");
        }

        if (!Enum.IsDefined(Tier))
        {
            problems.Add("memorySync.tier must be one of Free, Pro, Enterprise, Unlimited.");
        }

        if (Limits is { } limits)
        {
            problems.AddRange(limits.Validate());
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("memorySync.requestTimeout must be positive, e.g. \"00:00:30\".");
        }

        if (MaxRetries < 0)
        {
            problems.Add("memorySync.maxRetries must be 0 or more.");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            problems.Add("memorySync.maxRetryAfter must not be negative, e.g. \"00:02:00\".");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            problems.Add("memorySync.retryBaseDelay must not be negative, e.g. \"00:00:01\".");
        }

        return problems;
    }

    private static bool IsHeaderSafe(string value) => value.Length > 0 && value.All(c => c is > ' ' and < '\u007f');
}

/// <summary>MemorySync plans, which differ in their request rate limits.</summary>
internal enum MemorySyncTier
{
    /// <summary>2 per second, 30 per minute, 100 per hour.</summary>
    Free = 0,

    /// <summary>10 per second, 200 per minute, 5,000 per hour.</summary>
    Pro,

    /// <summary>50 per second, 1,000 per minute, 50,000 per hour.</summary>
    Enterprise,

    /// <summary>No client-side limit (the service allows 1,000 per second).</summary>
    Unlimited,
}

/// <summary>Request limits of an account per window; a missing value means no limit over that window.</summary>
internal sealed class MemorySyncLimits
{
    /// <summary>Requests per second.</summary>
    public int? PerSecond { get; set; }

    /// <summary>Requests per minute.</summary>
    public int? PerMinute { get; set; }

    /// <summary>Requests per hour.</summary>
    public int? PerHour { get; set; }

    /// <summary>The published limits of a tier, or <see langword="null"/> for <see cref="MemorySyncTier.Unlimited"/>.</summary>
    /// <param name="tier">The tier.</param>
    /// <returns>The limits.</returns>
    public static MemorySyncLimits? ForTier(MemorySyncTier tier) => tier switch
    {
        MemorySyncTier.Free => new() { PerSecond = 2, PerMinute = 30, PerHour = 100 },
        MemorySyncTier.Pro => new() { PerSecond = 10, PerMinute = 200, PerHour = 5_000 },
        MemorySyncTier.Enterprise => new() { PerSecond = 50, PerMinute = 1_000, PerHour = 50_000 },
        _ => null,
    };

    /// <summary>These limits, with each window left unset taken from <paramref name="fallback"/>.</summary>
    /// <param name="fallback">The tier's limits, or <see langword="null"/> for none.</param>
    /// <returns>The merged limits.</returns>
    public MemorySyncLimits Over(MemorySyncLimits? fallback) => new()
    {
        PerSecond = PerSecond ?? fallback?.PerSecond,
        PerMinute = PerMinute ?? fallback?.PerMinute,
        PerHour = PerHour ?? fallback?.PerHour,
    };

    internal IEnumerable<string> Validate()
    {
        foreach (var (name, value) in new[] { ("perSecond", PerSecond), ("perMinute", PerMinute), ("perHour", PerHour) })
        {
            if (value is <= 0)
            {
                yield return $"memorySync.limits.{name} must be positive (leave it out for no limit).";
            }
        }
    }
}
