using System.Security.Cryptography;
using System.Text;
using MemorySync.Emulator.Faults;
using MemorySync.Emulator.Idempotency;
using MemorySync.Emulator.Limits;
using MemorySync.Emulator.Memories;
using MemorySync.Emulator.Observability;
using MemorySync.Emulator.Persistence;
using MemorySync.Emulator.Webhooks;

namespace MemorySync.Emulator.Hosting;

/// <summary>The emulator's state and services, one per running emulator.</summary>
internal sealed class EmulatorRuntime : IAsyncDisposable
{
    // Accepted credentials and their digests (computed once, not per request).
    private readonly Dictionary<string, string> _apiKeys;
    private readonly Dictionary<string, string> _bearerTokens;
    private readonly HashSet<string> _revokedKeys;

    public EmulatorRuntime(EmulatorOptions options, ILoggerFactory loggerFactory)
    {
        Options = options;
        Time = options.TimeProvider;
        _apiKeys = options.EffectiveApiKeys.Distinct(StringComparer.Ordinal)
            .ToDictionary(key => key, key => "key:" + Digest(key), StringComparer.Ordinal);
        _bearerTokens = options.BearerTokens.Distinct(StringComparer.Ordinal)
            .ToDictionary(token => token, token => "bearer:" + Digest(token), StringComparer.Ordinal);
        _revokedKeys = new HashSet<string>(options.RevokedKeys, StringComparer.Ordinal);
        Persistence = options.DataFile is null ? new InMemoryPersistence() : new LiteDbPersistence(options.DataFile);
        Settings = new SettingsStore(options);
        Quota = new QuotaMeter(Time);
        Store = new MemoryStore(Time, Persistence, Quota);
        Idempotency = new IdempotencyStore(Time, Persistence, options);
        RateLimiter = new AccountRateLimiter(Time);
        Faults = new FaultInjector(options.Seed);
        Metrics = new EmulatorMetrics();
        Webhooks = new WebhookService(options, Persistence, loggerFactory.CreateLogger<WebhookService>());
        RequestLogger = loggerFactory.CreateLogger("MemorySync.Emulator.Requests");
        Store.Load();
        Idempotency.Load();
        Webhooks.Load();
    }

    public EmulatorOptions Options { get; }

    public TimeProvider Time { get; }

    public IStatePersistence Persistence { get; }

    public SettingsStore Settings { get; }

    public QuotaMeter Quota { get; }

    public MemoryStore Store { get; }

    public IdempotencyStore Idempotency { get; }

    public AccountRateLimiter RateLimiter { get; }

    public FaultInjector Faults { get; }

    public EmulatorMetrics Metrics { get; }

    public WebhookService Webhooks { get; }

    public ILogger RequestLogger { get; }

    /// <summary>Checks the credentials of a request: the bearer first (as the service does), then the API key.</summary>
    public AuthResult Authenticate(string? authorization, string? apiKey)
    {
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization["Bearer ".Length..].Trim();
            return _bearerTokens.TryGetValue(token, out var bearerId)
                ? new AuthResult(200, null, bearerId, IsBearer: true)
                : new AuthResult(401, "Invalid or expired bearer token", null, IsBearer: true);
        }

        if (string.IsNullOrWhiteSpace(apiKey))
        {
            return new AuthResult(401, "API key missing", null, IsBearer: false);
        }

        if (_revokedKeys.Contains(apiKey))
        {
            return new AuthResult(403, "API key revoked", null, IsBearer: false);
        }

        return _apiKeys.TryGetValue(apiKey, out var callerId)
            ? new AuthResult(200, null, callerId, IsBearer: false)
            : new AuthResult(401, "Invalid API key", null, IsBearer: false);
    }

    /// <summary>Back to a fresh start: no memories (ids from 1 again), no keys remembered, start settings.</summary>
    public void Reset()
    {
        Store.Reset();
        Idempotency.Reset();
        RateLimiter.Reset();
        Quota.Reset();
        Faults.Reset();
        Metrics.Reset();
        Settings.Reset();
        Webhooks.Reset();
        Persistence.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await Webhooks.DisposeAsync();
        Persistence.Dispose();
    }

    // A short digest identifies a caller in memory and on disk without keeping the credential itself.
    private static string Digest(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)).AsSpan(0, 12));
}

/// <summary>The outcome of authentication: 200 with a caller id, or the status and message to refuse with.</summary>
internal sealed record AuthResult(int Status, string? Message, string? CallerId, bool IsBearer);
