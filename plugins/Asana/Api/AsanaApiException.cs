using System.Net;

namespace ConnectorHost.Plugins.Asana.Api;

/// <summary>An error answer from Asana: the status, Asana's own message and (for 500) its error phrase.</summary>
/// <remarks>Asana's messages name parameters and objects, never the token, so they are safe to show.</remarks>
internal sealed class AsanaApiException : Exception
{
    public AsanaApiException(HttpStatusCode status, string path, string? asanaMessage, string? phrase = null)
        : base(Describe(status, path, asanaMessage, phrase))
    {
        Status = status;
        Path = path;
        AsanaMessage = asanaMessage;
        Phrase = phrase;
    }

    public AsanaApiException()
        : this(HttpStatusCode.InternalServerError, string.Empty, null)
    {
    }

    public AsanaApiException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    public AsanaApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    public HttpStatusCode Status { get; }

    /// <summary>The request path and query (ids only, no secrets).</summary>
    public string Path { get; }

    public string? AsanaMessage { get; }

    public string? Phrase { get; }

    /// <summary>How long Asana asked to wait (<c>Retry-After</c>), for 429 and 503.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The fresh sync token of a 412 from the Events API.</summary>
    public string? Sync { get; init; }

    public bool IsTransient => Status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
        or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static string Describe(HttpStatusCode status, string path, string? message, string? phrase)
    {
        var text = $"Asana answered {(int)status} {status} to GET {path}";
        if (!string.IsNullOrWhiteSpace(message))
        {
            text += $": {message}";
        }

        return phrase is null ? text : $"{text} (error phrase \"{phrase}\")";
    }
}
