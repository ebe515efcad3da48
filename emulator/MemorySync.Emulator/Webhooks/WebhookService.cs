using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Persistence;

namespace MemorySync.Emulator.Webhooks;

/// <summary>
/// Registered webhooks and their deliveries. Events are delivered asynchronously after the write, never affecting
/// its answer: signed POSTs, retried with exponential back-off and jitter, dead-lettered at once on 410 or after the
/// last attempt, with a circuit breaker per endpoint. Every wait runs on the injected clock.
/// </summary>
internal sealed class WebhookService : IAsyncDisposable
{
    private const int GlobalConcurrency = 10;
    private const int EndpointConcurrency = 2;
    private readonly EmulatorOptions _options;
    private readonly IStatePersistence _persistence;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _global = new(GlobalConcurrency);
    private readonly ConcurrentDictionary<string, Webhook> _webhooks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EndpointState> _endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, DeliveryEntry> _deliveries = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private CancellationTokenSource _generation = new();
    private long _lastDelivery;

    public WebhookService(EmulatorOptions options, IStatePersistence persistence, ILogger logger)
    {
        _options = options;
        _persistence = persistence;
        _logger = logger;
        _time = options.TimeProvider;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = options.WebhookTimeout,
        };
    }

    public void Load()
    {
        foreach (var webhook in _persistence.LoadWebhooks())
        {
            _webhooks[webhook.Id] = webhook;
        }
    }

    public Webhook Add(Webhook webhook)
    {
        _webhooks[webhook.Id] = webhook;
        _persistence.SaveWebhook(webhook);
        return webhook;
    }

    public IReadOnlyList<Webhook> List() => [.. _webhooks.Values.OrderBy(w => w.CreatedAt).ThenBy(w => w.Id, StringComparer.Ordinal)];

    public Webhook? Get(string id) => _webhooks.GetValueOrDefault(id);

    public bool Remove(string id)
    {
        if (!_webhooks.TryRemove(id, out _))
        {
            return false;
        }

        _persistence.DeleteWebhook(id);
        return true;
    }

    public IReadOnlyList<WebhookDelivery> Deliveries(string? webhookId) =>
    [
        .. _deliveries.Values
            .OrderBy(entry => entry.Sequence)
            .Select(entry => entry.Snapshot)
            .Where(delivery => webhookId is null || delivery.WebhookId == webhookId),
    ];

    /// <summary>Queues an event for every webhook subscribed to it; cheap when there are none.</summary>
    public void Publish(string eventType, Action<Utf8JsonWriter> writeData)
    {
        if (_webhooks.IsEmpty)
        {
            return;
        }

        var subscribed = _webhooks.Values.Where(w => w.Events.Contains(eventType, StringComparer.Ordinal)).ToList();
        if (subscribed.Count == 0)
        {
            return;
        }

        var eventId = $"evt_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        var payload = BuildPayload(eventType, eventId, writeData);
        var token = _generation.Token;
        foreach (var webhook in subscribed)
        {
            var sequence = Interlocked.Increment(ref _lastDelivery);
            var entry = new DeliveryEntry(sequence, new WebhookDelivery(
                $"dlv_{sequence}", webhook.Id, webhook.Url.ToString(), eventType, eventId,
                Encoding.UTF8.GetString(payload), WebhookDeliveryState.Pending, [], null, null));
            _deliveries[sequence] = entry;
            var task = Task.Run(() => DeliverAsync(webhook, entry, payload, token), CancellationToken.None);
            _running[task] = 0;
            task.ContinueWith(done => _running.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    public void Reset()
    {
        var old = Interlocked.Exchange(ref _generation, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
        _webhooks.Clear();
        _endpoints.Clear();
        _deliveries.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _generation.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Keys);
        }
        catch (OperationCanceledException)
        {
            // Deliveries end on cancellation; nothing to report when the emulator stops.
        }

        _generation.Dispose();
        _http.Dispose();
        _global.Dispose();
    }

    /// <summary>Computes the signature header value for a body, the way deliveries are signed.</summary>
    public static string Sign(WebhookSignatureOptions signature, string secret, ReadOnlySpan<byte> body)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        var mac = signature.Algorithm == "sha512" ? HMACSHA512.HashData(key, body) : HMACSHA256.HashData(key, body);
        var text = signature.Encoding == "base64" ? Convert.ToBase64String(mac) : Convert.ToHexStringLower(mac);
        return (signature.Prefix ?? signature.Algorithm + "=") + text;
    }

    private byte[] BuildPayload(string eventType, string eventId, Action<Utf8JsonWriter> writeData)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event_id", eventId);
            json.WriteString("event", eventType);
            json.WriteString("created_at", _time.GetUtcNow());
            json.WriteStartObject("data");
            writeData(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task DeliverAsync(Webhook webhook, DeliveryEntry entry, byte[] payload, CancellationToken cancellationToken)
    {
        var endpoint = _endpoints.GetOrAdd(webhook.Id, static _ => new EndpointState());
        var maxAttempts = webhook.MaxAttempts ?? _options.WebhookMaxAttempts;
        // Seeded (not HashCode.Combine, which differs per process) so retry timing repeats with the seed.
        var jitter = new Random(unchecked((_options.Seed * 397) ^ (int)entry.Sequence));
        var attempts = new List<WebhookAttempt>();
        try
        {
            while (true)
            {
                await WaitUntilAsync(entry.Snapshot.NextAttemptAt, cancellationToken);
                await WaitUntilAsync(endpoint.OpenUntil, cancellationToken);
                var (status, error) = await AttemptAsync(webhook, entry, payload, attempts.Count + 1, endpoint, cancellationToken);
                var now = _time.GetUtcNow();
                attempts.Add(new WebhookAttempt(attempts.Count + 1, now, status, error));
                if (status is >= 200 and < 300)
                {
                    endpoint.Succeeded();
                    entry.Snapshot = entry.Snapshot with
                    {
                        State = WebhookDeliveryState.Delivered, Attempts = [.. attempts], NextAttemptAt = null,
                    };
                    return;
                }

                endpoint.Failed(now, _options.WebhookCircuitBreakerThreshold, _options.WebhookCircuitBreakerCooldown);
                var reason = status is { } code ? $"the endpoint answered {code}" : $"no answer: {error}";
                if (status == 410 || attempts.Count >= maxAttempts)
                {
                    entry.Snapshot = entry.Snapshot with
                    {
                        State = WebhookDeliveryState.DeadLettered,
                        Attempts = [.. attempts],
                        NextAttemptAt = null,
                        DeadLetterReason = status == 410
                            ? "the endpoint answered 410 Gone"
                            : $"gave up after {attempts.Count} attempts; {reason}",
                    };
                    _logger.LogWarning(
                        "Webhook delivery {DeliveryId} of {EventType} to {WebhookId} dead-lettered: {Reason}",
                        entry.Snapshot.Id, entry.Snapshot.EventType, webhook.Id, entry.Snapshot.DeadLetterReason);
                    return;
                }

                var backoff = _options.WebhookRetryBaseDelay * Math.Pow(2, attempts.Count - 1);
                var delay = TimeSpan.FromTicks((long)(Math.Min(backoff.Ticks, _options.WebhookRetryMaxDelay.Ticks)
                    * (0.8 + (0.4 * jitter.NextDouble()))));
                entry.Snapshot = entry.Snapshot with { Attempts = [.. attempts], NextAttemptAt = now + delay };
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The emulator stops or was reset: pending deliveries end with it.
        }
    }

    private async Task<(int? Status, string? Error)> AttemptAsync(
        Webhook webhook, DeliveryEntry entry, byte[] payload, int number, EndpointState endpoint, CancellationToken cancellationToken)
    {
        await _global.WaitAsync(cancellationToken);
        await endpoint.Gate.WaitAsync(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url);
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.UserAgent.ParseAdd("MemorySync-Webhooks/1.0");
            request.Headers.TryAddWithoutValidation("X-MemorySync-Event", entry.Snapshot.EventType);
            request.Headers.TryAddWithoutValidation("X-MemorySync-Event-ID", entry.Snapshot.EventId);
            request.Headers.TryAddWithoutValidation("X-MemorySync-Delivery-ID", entry.Snapshot.Id);
            request.Headers.TryAddWithoutValidation("X-MemorySync-Delivery-Attempt", number.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(webhook.Signature.Header, Sign(webhook.Signature, webhook.Secret, payload));
            if (webhook.AuthHeaderName is { } name && webhook.AuthHeaderValue is { } value)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _http.SendAsync(request, cancellationToken);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException exception)
        {
            return (null, exception.HttpRequestError.ToString());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "timeout");
        }
        finally
        {
            endpoint.Gate.Release();
            _global.Release();
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset? due, CancellationToken cancellationToken)
    {
        // The due time is fixed before waiting, so a test clock advanced meanwhile is never missed.
        if (due is { } at && at - _time.GetUtcNow() is { Ticks: > 0 } remaining)
        {
            await Task.Delay(remaining, _time, cancellationToken);
        }
    }

    private sealed class DeliveryEntry(long sequence, WebhookDelivery snapshot)
    {
        private volatile WebhookDelivery _snapshot = snapshot;

        public long Sequence { get; } = sequence;

        public WebhookDelivery Snapshot
        {
            get => _snapshot;
            set => _snapshot = value;
        }
    }

    private sealed class EndpointState
    {
        private readonly Lock _gate = new();
        private int _failures;
        private DateTimeOffset? _openUntil;

        public SemaphoreSlim Gate { get; } = new(EndpointConcurrency);

        public DateTimeOffset? OpenUntil
        {
            get
            {
                lock (_gate)
                {
                    return _openUntil;
                }
            }
        }

        public void Succeeded()
        {
            lock (_gate)
            {
                _failures = 0;
                _openUntil = null;
            }
        }

        public void Failed(DateTimeOffset now, int threshold, TimeSpan cooldown)
        {
            lock (_gate)
            {
                if (++_failures >= threshold)
                {
                    _openUntil = now + cooldown;
                    _failures = 0;
                }
            }
        }
    }
}
