using System.CommandLine;
using System.Globalization;

namespace MemorySync.Emulator.Hosting;

/// <summary>The command line: every option maps to a member of <see cref="EmulatorOptions"/>.</summary>
internal static class EmulatorCommandLine
{
    public const string ListeningPrefix = "MemorySync emulator listening on ";

    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on (';'-separated); port 0 picks a free port.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow a non-loopback address in --urls." };
        var apiKeys = new Option<string[]>("--api-key") { Description = $"An accepted API key (repeatable); also {EmulatorOptions.ApiKeysEnvironmentVariable} (comma-separated).", AllowMultipleArgumentsPerToken = false };
        var revoked = new Option<string[]>("--revoked-key") { Description = "A key answered with 403 'API key revoked' (repeatable)." };
        var bearer = new Option<string[]>("--bearer-token") { Description = "A bearer token accepted as a dashboard session (repeatable)." };
        var tier = new Option<EmulatorTier>("--tier") { Description = "Free|Pro|Enterprise|Unlimited: the published rate limits of the tier.", DefaultValueFactory = _ => EmulatorTier.Unlimited };
        var limits = new Option<string?>("--limits") { Description = "Custom rate limits 'perSecond,perMinute,perHour' instead of the tier's." };
        var quota = new Option<QuotaMode>("--quota") { Description = "off|silent|strict: what happens over the monthly quota." };
        var monthlyLimit = new Option<long>("--monthly-limit") { Description = "Memories per month before the quota applies (0: over quota at once)." };
        var dataFile = new Option<string?>("--data-file") { Description = "A LiteDB file that keeps the state across restarts (default: in memory)." };
        var seed = new Option<int>("--seed") { Description = "The seed of fault randomness." };
        var verbose = new Option<bool>("--verbose") { Description = "Log one line per request (to stderr)." };
        var errorShape = new Option<ErrorShape>("--error-shape") { Description = "envelope|flat|detail: the shape of error bodies." };
        var conflict = new Option<IdempotencyConflictMode>("--idempotency-conflict") { Description = "replay|reject: a repeated Idempotency-Key with a different body." };
        var extraction = new Option<bool>("--extraction") { Description = "Split texts of several paragraphs into up to three memories." };
        var idStyle = new Option<IdStyle>("--id-style") { Description = "Numeric|Prefixed|MemoryId: ids as 42, \"m_42\", or memory_id: 42." };
        var webhookRetryBase = new Option<int?>("--webhook-retry-base-ms") { Description = "The first webhook retry delay in milliseconds (doubles each time)." };
        var webhookAttempts = new Option<int?>("--webhook-max-attempts") { Description = "Webhook attempts before a delivery is dead-lettered." };

        var root = new RootCommand("A local, contract-faithful MemorySync for development, tests and benchmarks.")
        {
            urls, allowRemote, apiKeys, revoked, bearer, tier, limits, quota, monthlyLimit, dataFile, seed, verbose,
            errorShape, conflict, extraction, idStyle, webhookRetryBase, webhookAttempts,
        };
        root.SetAction(async (result, cancellationToken) =>
        {
            EmulatorOptions options;
            try
            {
                options = new EmulatorOptions
                {
                    Urls = result.GetValue(urls)!,
                    AllowRemote = result.GetValue(allowRemote),
                    ApiKeys = [.. Keys(result.GetValue(apiKeys))],
                    RevokedKeys = [.. result.GetValue(revoked) ?? []],
                    BearerTokens = [.. result.GetValue(bearer) ?? []],
                    Tier = result.GetValue(tier),
                    Limits = result.GetValue(limits) is { } text ? RateLimits.Parse(text) : null,
                    Quota = result.GetValue(quota),
                    MonthlyLimit = result.GetValue(monthlyLimit),
                    DataFile = result.GetValue(dataFile),
                    Seed = result.GetValue(seed),
                    Verbose = result.GetValue(verbose),
                    ErrorShape = result.GetValue(errorShape),
                    IdempotencyConflict = result.GetValue(conflict),
                    Extraction = result.GetValue(extraction),
                    IdStyle = result.GetValue(idStyle),
                };
                if (result.GetValue(webhookRetryBase) is { } retryBase)
                {
                    options.WebhookRetryBaseDelay = TimeSpan.FromMilliseconds(retryBase);
                }

                if (result.GetValue(webhookAttempts) is { } attempts)
                {
                    options.WebhookMaxAttempts = attempts;
                }

                options.Validate();
                MemorySyncEmulatorHost.EnsureLoopback(options);
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException)
            {
                await error.WriteLineAsync(exception.Message);
                return 2;
            }

            return await RunAsync(options, output, cancellationToken);
        });
        return root;
    }

    private static string[] Keys(string[]? fromCommandLine)
    {
        if (fromCommandLine is { Length: > 0 })
        {
            return fromCommandLine;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EmulatorOptions.ApiKeysEnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? []
            : fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<int> RunAsync(EmulatorOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        await using var host = await MemorySyncEmulatorHost.StartAsync(options, cancellationToken);
        // Configured keys are never printed; only the fact that the development key is in use.
        await output.WriteLineAsync(options.ApiKeys.Count == 0
            ? $"No API key configured: accepting the development key {EmulatorOptions.DevelopmentApiKey}"
            : string.Create(CultureInfo.InvariantCulture, $"Accepting {options.ApiKeys.Count} configured API key(s)"));
        await output.WriteLineAsync(ListeningPrefix + host.BaseAddress.GetLeftPart(UriPartial.Authority));
        await output.FlushAsync(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop cleanly.
        }

        await host.StopAsync();
        return 0;
    }
}
