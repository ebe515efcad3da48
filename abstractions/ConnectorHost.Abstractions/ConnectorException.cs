namespace ConnectorHost.Abstractions;

/// <summary>
/// A failure a connector reports with a message a person can act on ("Confluence rejected the credentials for
/// https://example.atlassian.net/wiki"). The host records the message as the run's error, leaves the cursor where it
/// was, and backs off before the next run.
/// </summary>
/// <remarks>Never put secrets (tokens, passwords, keys) in the message.</remarks>
public sealed class ConnectorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What kind of failure it is.</param>
    /// <param name="message">What happened and what to do, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ConnectorException(ConnectorErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Creates an exception of kind <see cref="ConnectorErrorKind.Unknown"/>.</summary>
    public ConnectorException()
        : this(ConnectorErrorKind.Unknown, "The connector failed.")
    {
    }

    /// <summary>Creates an exception of kind <see cref="ConnectorErrorKind.Unknown"/>.</summary>
    /// <param name="message">What happened.</param>
    public ConnectorException(string message)
        : this(ConnectorErrorKind.Unknown, message)
    {
    }

    /// <summary>Creates an exception of kind <see cref="ConnectorErrorKind.Unknown"/>.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ConnectorException(string message, Exception? innerException)
        : this(ConnectorErrorKind.Unknown, message, innerException)
    {
    }

    /// <summary>What kind of failure it is.</summary>
    public ConnectorErrorKind Kind { get; }

    /// <summary>
    /// For <see cref="ConnectorErrorKind.RateLimited"/>: how long the source asked to wait, if it said.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>Kinds of connector failure, for status output and back-off.</summary>
public enum ConnectorErrorKind
{
    /// <summary>Anything else.</summary>
    Unknown = 0,

    /// <summary>The source rejected the credentials (HTTP 401, expired token).</summary>
    Authentication,

    /// <summary>The credentials are valid but lack a permission (HTTP 403, or a 404 that hides one).</summary>
    Authorization,

    /// <summary>A configured scope does not exist (space, project, folder).</summary>
    NotFound,

    /// <summary>The source kept rate-limiting beyond what the connector waits for.</summary>
    RateLimited,

    /// <summary>The source is down or unreachable.</summary>
    Unavailable,

    /// <summary>The source answered with data the connector cannot read.</summary>
    InvalidData,

    /// <summary>The settings are wrong in a way validation could not catch.</summary>
    Configuration,
}
