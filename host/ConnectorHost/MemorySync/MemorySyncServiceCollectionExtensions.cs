using System.Net;
using ConnectorHost.Abstractions.MemorySync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.MemorySync;

/// <summary>Registers the MemorySync client.</summary>
internal static class MemorySyncServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IMemorySyncClient"/> (and <see cref="MemorySyncClient"/>, for the delivery outbox) as one
    /// instance for the process, over an <see cref="IHttpClientFactory"/> client whose pipeline holds the retries, the
    /// fair rate limiter, the 429 gate and the per-attempt timeout.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The options (validated here).</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentException">The options are not usable; the message names each key and the fix.</exception>
    public static IServiceCollection AddMemorySync(this IServiceCollection services, MemorySyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddSingleton(options);
        services.AddSingleton(sp => new RetryAfterGate(sp.GetRequiredService<TimeProvider>(), options.MaxRetryAfter));
        services.AddSingleton(sp => new FairLaneLimiter(AccountRateLimiter.Create(options), sp.GetRequiredService<RetryAfterGate>()));

        var http = services.AddHttpClient(MemorySyncClient.HttpClientName, http =>
            {
                // Attempts have their own timeout; a call as a whole may wait its turn behind the rate limiter.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Redirects would carry X-API-Key to wherever they point.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                // The one client lives as long as the process; recycling connections picks up DNS changes.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The attempt handler logs one line per attempt; the factory's own lines would repeat it.
            .RemoveAllLoggers();
        // Handlers run in the order they are added: the resilience pipeline first, then once per attempt the handler.
        http.AddResilienceHandler("memorysync", (pipeline, context) => MemorySyncResilience.Configure(
            pipeline,
            options,
            context.ServiceProvider.GetRequiredService<FairLaneLimiter>(),
            context.ServiceProvider.GetRequiredService<ILogger<MemorySyncClient>>()));
        http.AddHttpMessageHandler(sp => new MemorySyncAttemptHandler(
            sp.GetRequiredService<RetryAfterGate>(),
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MemorySyncAttemptHandler>>()));

        services.AddSingleton(sp => new MemorySyncClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(MemorySyncClient.HttpClientName),
            options,
            sp.GetRequiredService<FairLaneLimiter>()));
        services.AddSingleton<IMemorySyncClient>(sp => sp.GetRequiredService<MemorySyncClient>());
        return services;
    }
}
