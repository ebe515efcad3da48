namespace ConnectorHost.Abstractions.MemorySync;

/// <summary>
/// A failed MemorySync call. Subclasses say what kind of failure it is, mirroring the official SDK's error classes.
/// </summary>
/// <remarks>The message never contains the API key.</remarks>
public class MemorySyncException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncException()
        : this("The MemorySync call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status, or <see langword="null"/> when no answer came (network failure, timeout).</summary>
    public int? StatusCode { get; init; }

    /// <summary>The service's <c>X-Request-ID</c> (or <c>request_id</c> from the body), when it answered.</summary>
    public string? RequestId { get; init; }

    /// <summary>The service's error code, e.g. <c>VALIDATION_ERROR</c>, <c>MISSING_END_USER_ID</c>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The service's own message, as sent.</summary>
    public string? ServerMessage { get; init; }

    /// <summary>Field-level details the service gave (e.g. <c>text: at least 10 characters</c>).</summary>
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>The method and path of the call, e.g. <c>POST /memory/bulk-add</c>.</summary>
    public string? Operation { get; init; }

    /// <summary>
    /// <see langword="true"/> when trying again later can succeed (rate limits, server errors, network failures).
    /// </summary>
    public virtual bool IsTransient => false;
}

/// <summary>401 or 403: the API key is missing, unknown, expired, revoked, or lacks a scope. Never retried.</summary>
public sealed class MemorySyncAuthException : MemorySyncException
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncAuthException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncAuthException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncAuthException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>404: no such memory, or not visible to the end user. Never retried.</summary>
public sealed class MemorySyncNotFoundException : MemorySyncException
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncNotFoundException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>400, 409 or 422: the request was refused as invalid; <see cref="MemorySyncException.Details"/> says why. Never retried.</summary>
public sealed class MemorySyncValidationException : MemorySyncException
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncValidationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncValidationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// 429: a rate limit (or a monthly quota on strict keys) whose wait is longer than the client waits by itself
/// (120 seconds), or that persisted through the client's retries.
/// </summary>
public sealed class MemorySyncRateLimitException : MemorySyncException
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncRateLimitException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncRateLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncRateLimitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How long the service asked to wait, when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary><see langword="true"/> for the monthly quota (<c>limit_exceeded</c>) rather than a request rate.</summary>
    public bool IsQuota { get; init; }

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>5xx: the service failed; retried with back-off before this is thrown.</summary>
public sealed class MemorySyncServerException : MemorySyncException
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncServerException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncServerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>No answer: connection refused or dropped, DNS failure, timeout. Retried with back-off before this is thrown.</summary>
public sealed class MemorySyncNetworkException : MemorySyncException
{
    /// <summary>Creates the exception.</summary>
    public MemorySyncNetworkException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public MemorySyncNetworkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MemorySyncNetworkException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
