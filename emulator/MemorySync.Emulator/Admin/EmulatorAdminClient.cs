using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using MemorySync.Emulator.Api;
using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Admin;

/// <summary>
/// A typed client of the emulator's admin surface (<c>/_emulator/</c>), so tests never write admin JSON by hand.
/// </summary>
/// <remarks>Thread-safe. Failures throw <see cref="HttpRequestException"/> with the emulator's message.</remarks>
public sealed class EmulatorAdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    /// <summary>Creates a client of the emulator at <paramref name="baseAddress"/>.</summary>
    /// <param name="baseAddress">The emulator's address, e.g. <c>http://127.0.0.1:54321/</c>.</param>
    public EmulatorAdminClient(Uri baseAddress)
        : this(new HttpClient { BaseAddress = baseAddress }, ownsClient: true)
    {
    }

    /// <summary>Creates a client over an existing <see cref="HttpClient"/> whose base address is the emulator.</summary>
    /// <param name="httpClient">The client; not disposed by this one.</param>
    public EmulatorAdminClient(HttpClient httpClient)
        : this(httpClient, ownsClient: false)
    {
    }

    private EmulatorAdminClient(HttpClient httpClient, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
        _ownsClient = ownsClient;
    }

    /// <summary>Lists stored memories (forgotten ones only with <see cref="MemoryFilter.IncludeDeleted"/>), by id.</summary>
    /// <param name="filter">Which memories; <see langword="null"/> for all live ones.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memories.</returns>
    public Task<IReadOnlyList<EmulatorMemory>> GetMemoriesAsync(MemoryFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder("_emulator/memories?");
        Append(query, "end_user_id", filter?.EndUserId);
        Append(query, "source", filter?.Source);
        Append(query, "metadata_key", filter?.MetadataKey);
        Append(query, "metadata_value", filter?.MetadataValue);
        Append(query, "include_deleted", filter?.IncludeDeleted == true ? "true" : null);
        return GetAsync(query.ToString().TrimEnd('?', '&'), EmulatorJson.Default.IReadOnlyListEmulatorMemory, cancellationToken);
    }

    /// <summary>One memory by id, deleted or not; <see langword="null"/> when there is none.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memory or <see langword="null"/>.</returns>
    public async Task<EmulatorMemory?> GetMemoryAsync(long id, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(new Uri($"_emulator/memories/{id}", UriKind.Relative), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync(EmulatorJson.Default.EmulatorMemory, cancellationToken);
    }

    /// <summary>What the emulator counted since start or the last reset.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The counters.</returns>
    public Task<EmulatorCounters> GetCountersAsync(CancellationToken cancellationToken = default) =>
        GetAsync("_emulator/counters", EmulatorJson.Default.EmulatorCounters, cancellationToken);

    /// <summary>The last 2,000 API requests, oldest first.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The requests.</returns>
    public Task<IReadOnlyList<EmulatorRequest>> GetRequestsAsync(CancellationToken cancellationToken = default) =>
        GetAsync("_emulator/requests", EmulatorJson.Default.IReadOnlyListEmulatorRequest, cancellationToken);

    /// <summary>Back to a fresh start: no memories (ids from 1), no webhooks, faults, counters or remembered keys; start settings.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the emulator was reset.</returns>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync(new Uri("_emulator/reset", UriKind.Relative), null, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>The run-time settings.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The settings.</returns>
    public Task<EmulatorSettings> GetSettingsAsync(CancellationToken cancellationToken = default) =>
        GetAsync("_emulator/settings", EmulatorJson.Default.EmulatorSettings, cancellationToken);

    /// <summary>Changes run-time settings; members left <see langword="null"/> stay.</summary>
    /// <param name="update">The change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The settings after the change.</returns>
    public async Task<EmulatorSettings> UpdateSettingsAsync(EmulatorSettingsUpdate update, CancellationToken cancellationToken = default)
    {
        using var content = JsonContent.Create(update, EmulatorJson.Default.EmulatorSettingsUpdate);
        using var response = await _http.PatchAsync(new Uri("_emulator/settings", UriKind.Relative), content, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync(EmulatorJson.Default.EmulatorSettings, cancellationToken))!;
    }

    /// <summary>Marks the service down (health 503 with <c>db: unhealthy</c>, API 503) or up again.</summary>
    /// <param name="down">Down when <see langword="true"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetServiceDownAsync(bool down, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { ServiceDown = down }, cancellationToken);

    /// <summary>Switches to a tier's rate limits.</summary>
    /// <param name="tier">The tier.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetTierAsync(EmulatorTier tier, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { Tier = tier }, cancellationToken);

    /// <summary>Switches to custom rate limits.</summary>
    /// <param name="limits">Per second, minute and hour.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetLimitsAsync(RateLimits limits, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { Limits = limits }, cancellationToken);

    /// <summary>Sets the quota mode and the monthly limit.</summary>
    /// <param name="mode">Off, silent or strict.</param>
    /// <param name="monthlyLimit">Memories per month before the quota applies (0: over quota at once).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetQuotaAsync(QuotaMode mode, long monthlyLimit = 0, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { Quota = mode, MonthlyLimit = monthlyLimit }, cancellationToken);

    /// <summary>Sets the shape of error bodies.</summary>
    /// <param name="shape">Envelope, flat or FastAPI detail.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetErrorShapeAsync(ErrorShape shape, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { ErrorShape = shape }, cancellationToken);

    /// <summary>Sets what a repeated Idempotency-Key with a different body gets.</summary>
    /// <param name="mode">Replay or reject (409).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetIdempotencyConflictModeAsync(IdempotencyConflictMode mode, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { IdempotencyConflict = mode }, cancellationToken);

    /// <summary>Turns extraction (several paragraphs become up to three memories) on or off.</summary>
    /// <param name="enabled">On when <see langword="true"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetExtractionAsync(bool enabled, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { Extraction = enabled }, cancellationToken);

    /// <summary>Sets how memory ids are written in answers (integers, <c>m_&lt;n&gt;</c> strings, or <c>memory_id</c>).</summary>
    /// <param name="style">The id style.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetIdStyleAsync(IdStyle style, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { IdStyle = style }, cancellationToken);

    /// <summary>Refuses every item whose text contains <paramref name="marker"/>, as a content policy would; <see langword="null"/> turns it off.</summary>
    /// <param name="marker">The marker, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when set.</returns>
    public Task SetRefuseTextContainingAsync(string? marker, CancellationToken cancellationToken = default) =>
        UpdateSettingsAsync(new EmulatorSettingsUpdate { RefuseTextContaining = marker ?? "" }, cancellationToken);

    /// <summary>Adds a fault rule that strikes matching requests with its probability (decided by the seed).</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rule's id.</returns>
    public async Task<string> AddFaultAsync(FaultRule rule, CancellationToken cancellationToken = default)
    {
        using var content = JsonContent.Create(rule, EmulatorJson.Default.FaultRule);
        var ids = await PostAsync("_emulator/faults", content, EmulatorJson.Default.IReadOnlyListString, cancellationToken);
        return ids[0];
    }

    /// <summary>
    /// Appends steps to the fault script: each strikes the next <see cref="FaultRule.Count"/> (default 1) requests
    /// matching it, in order, before any rule is considered.
    /// </summary>
    /// <param name="steps">The steps, e.g. three 503s on <c>/memory/bulk-add</c> then one 429.</param>
    /// <returns>The steps' ids.</returns>
    public Task<IReadOnlyList<string>> ScriptFaultsAsync(params FaultRule[] steps) => ScriptFaultsAsync(steps, CancellationToken.None);

    /// <summary>Appends steps to the fault script (see <see cref="ScriptFaultsAsync(FaultRule[])"/>).</summary>
    /// <param name="steps">The steps.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The steps' ids.</returns>
    public async Task<IReadOnlyList<string>> ScriptFaultsAsync(IReadOnlyList<FaultRule> steps, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(steps, EmulatorJson.Default.IReadOnlyListFaultRule);
        return await PostAsync("_emulator/faults/script", content, EmulatorJson.Default.IReadOnlyListString, cancellationToken);
    }

    /// <summary>The fault rules and script steps in force, with what they did so far.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The fault state.</returns>
    public Task<FaultState> GetFaultsAsync(CancellationToken cancellationToken = default) =>
        GetAsync("_emulator/faults", EmulatorJson.Default.FaultState, cancellationToken);

    /// <summary>Removes every fault rule and script step.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when cleared.</returns>
    public async Task ClearFaultsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync(new Uri("_emulator/faults", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>Webhook deliveries, oldest first.</summary>
    /// <param name="webhookId">Only this webhook's, or all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deliveries.</returns>
    public Task<IReadOnlyList<WebhookDelivery>> GetWebhookDeliveriesAsync(string? webhookId = null, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder("_emulator/webhooks/deliveries?");
        Append(query, "webhook_id", webhookId);
        return GetAsync(query.ToString().TrimEnd('?', '&'), EmulatorJson.Default.IReadOnlyListWebhookDelivery, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (value is not null)
        {
            query.Append(CultureInfo.InvariantCulture, $"{name}={Uri.EscapeDataString(value)}&");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"The emulator's admin surface answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }
    }

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync(type, cancellationToken))!;
    }

    private async Task<T> PostAsync<T>(string path, HttpContent content, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync(type, cancellationToken))!;
    }
}
