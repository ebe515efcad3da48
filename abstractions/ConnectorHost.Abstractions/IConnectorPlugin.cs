using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Abstractions;

/// <summary>
/// A plugin's registrar: the one public entry point of a plugin. It declares the plugin's settings type and registers
/// the plugin's services, among them exactly one <see cref="IConnector"/>.
/// </summary>
/// <remarks>
/// <para>
/// The host creates the registrar with its public parameterless constructor, once per process, and calls
/// <see cref="ConfigureServices"/> once for every connector instance configured with this plugin. Each instance gets
/// its own service container, so instances of one plugin never share state unless the plugin makes them.
/// </para>
/// <para>
/// Already registered in that container, and injectable into the plugin's classes: the instance's bound settings
/// object (as <see cref="OptionsType"/>), <see cref="ConnectorInstance"/>, <see cref="ConnectorHost.Abstractions.MemorySync.IMemorySyncClient"/>,
/// <see cref="IIdempotencyKeyBuilder"/>, <see cref="ICursorStore"/>, <c>ILogger&lt;T&gt;</c>, <c>ILoggerFactory</c>,
/// <see cref="TimeProvider"/> and <c>IHttpClientFactory</c> (the plugin may add named or typed clients).
/// </para>
/// <para>
/// The constructor and <see cref="ConfigureServices"/> must not perform I/O or start work; a throw from either marks
/// the plugin Malfunctioned and the host carries on without it.
/// </para>
/// </remarks>
public interface IConnectorPlugin
{
    /// <summary>
    /// The class that a connector instance's <c>settings</c> object in <c>plugins.json</c> binds to. It must have a
    /// public parameterless constructor; property names bind case-insensitively from camelCase JSON. The host validates
    /// it with DataAnnotations (and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) at start-up
    /// and refuses to start when validation fails. Mark secret properties with <see cref="SecretAttribute"/>.
    /// </summary>
    Type OptionsType { get; }

    /// <summary>Registers the plugin's services for one connector instance.</summary>
    /// <param name="services">The instance's service collection. Register one <see cref="IConnector"/>.</param>
    /// <param name="instance">The connector instance being configured.</param>
    void ConfigureServices(IServiceCollection services, ConnectorInstance instance);
}

/// <summary>
/// A convenient base for registrars whose settings bind to <typeparamref name="TOptions"/>.
/// </summary>
/// <typeparam name="TOptions">The settings class.</typeparam>
public abstract class ConnectorPlugin<TOptions> : IConnectorPlugin
    where TOptions : class, new()
{
    /// <inheritdoc />
    public Type OptionsType => typeof(TOptions);

    /// <inheritdoc />
    public abstract void ConfigureServices(IServiceCollection services, ConnectorInstance instance);
}
