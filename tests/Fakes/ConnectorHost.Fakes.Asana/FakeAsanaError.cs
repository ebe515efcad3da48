using System.Net;
using System.Security.Cryptography;

namespace ConnectorHost.Fakes.Asana;

/// <summary>An error answer in Asana's shape: <c>{"errors":[{"message","help","phrase"}]}</c>.</summary>
internal sealed class FakeAsanaError : Exception
{
    internal const string Help =
        "For more information on API status codes and how to handle them, read the docs on errors: " +
        "https://developers.asana.com/docs/errors";

    private static readonly string[] s_words =
        ["sad", "squid", "snuggle", "softly", "brave", "otters", "juggle", "loudly", "tiny", "yaks", "dance", "slowly"];

    public FakeAsanaError(HttpStatusCode status, string message)
        : base(message)
    {
        Status = status;
    }

    public FakeAsanaError()
        : this(HttpStatusCode.InternalServerError, "Server Error")
    {
    }

    public FakeAsanaError(string message)
        : this(HttpStatusCode.BadRequest, message)
    {
    }

    public FakeAsanaError(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = HttpStatusCode.BadRequest;
    }

    public HttpStatusCode Status { get; }

    /// <summary>The fresh sync token a 412 of the Events API carries.</summary>
    public string? Sync { get; init; }

    /// <summary>Seconds to wait, for 429 (and 503) answers.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static FakeAsanaError BadRequest(string message) => new(HttpStatusCode.BadRequest, message);

    public static FakeAsanaError MissingInput(string parameter) => BadRequest($"{parameter}: Missing input");

    public static FakeAsanaError NotFound(string kind, string gid) =>
        new(HttpStatusCode.NotFound, $"{kind}: Unknown object: {gid}");

    public static FakeAsanaError Forbidden() => new(
        HttpStatusCode.Forbidden,
        "You do not have access to this resource. Ask a member of the project to share it with you.");

    public static FakeAsanaError Unauthorized() => new(HttpStatusCode.Unauthorized, "Not Authorized");

    public static FakeAsanaError TooManyRequests(int retryAfterSeconds) => new(
        HttpStatusCode.TooManyRequests,
        "You've made too many requests and hit a rate limit. Please retry after the given amount of time.")
    {
        RetryAfterSeconds = retryAfterSeconds,
    };

    /// <summary>A phrase like Asana's ("6 sad squid snuggle softly") that identifies a server error.</summary>
    public static string NewPhrase()
    {
        var words = Enumerable.Range(0, 4).Select(_ => s_words[RandomNumberGenerator.GetInt32(s_words.Length)]);
        return $"{RandomNumberGenerator.GetInt32(2, 10)} {string.Join(' ', words)}";
    }
}
