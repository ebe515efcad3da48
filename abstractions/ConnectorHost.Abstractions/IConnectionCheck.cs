namespace ConnectorHost.Abstractions;

/// <summary>
/// Optional capability: a connector that can check its credentials and reach cheaply. The host calls it before the
/// first run and on <c>connector-host validate --check-connections</c>, to fail fast on bad credentials.
/// </summary>
public interface IConnectionCheck
{
    /// <summary>Checks that the source is reachable and accepts the configured credentials.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the check passed.</returns>
    /// <exception cref="ConnectorException">The source refused; the message says what to fix.</exception>
    Task CheckConnectionAsync(CancellationToken cancellationToken);
}
