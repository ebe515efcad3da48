using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Configuration;

/// <summary>Registers a loaded configuration with the host's services.</summary>
internal static class ConfigurationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <paramref name="configuration"/> and its sections (<see cref="HostSection"/>,
    /// <see cref="MemorySyncSection"/>, <see cref="DeliverySection"/>) and its <see cref="SecretRegistry"/> as singletons.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">What <see cref="ConfigurationLoader.Load"/> returned (settings bound or not).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddHostConfiguration(this IServiceCollection services, HostConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services
            .AddSingleton(configuration)
            .AddSingleton(configuration.Host)
            .AddSingleton(configuration.MemorySync)
            .AddSingleton(configuration.Delivery)
            .AddSingleton(configuration.Secrets);
    }
}
