using System.ComponentModel.DataAnnotations;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Confluence;

/// <summary>Which Confluence product the connector talks to.</summary>
public enum ConfluenceFlavour
{
    /// <summary>Confluence Cloud: Basic authentication with an account email and an API token; REST v1 and v2.</summary>
    Cloud = 0,

    /// <summary>Confluence Data Center or Server: a personal access token sent as a Bearer token; REST v1 only.</summary>
    DataCenter,
}

/// <summary>
/// Settings of one Confluence connector instance (<c>connectors[].settings</c> in <c>plugins.json</c>).
/// </summary>
public sealed class ConfluenceOptions : IValidatableObject
{
    /// <summary>The content types the connector syncs.</summary>
    public static readonly IReadOnlyList<string> KnownContentTypes = ["page", "blogpost"];

    /// <summary>
    /// The site's root: <c>https://example.atlassian.net/wiki</c> for Cloud, the context root (for example
    /// <c>https://confluence.example.com</c> or <c>https://example.com/confluence</c>) for Data Center.
    /// </summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary><c>cloud</c> (the default) or <c>dataCenter</c>.</summary>
    public ConfluenceFlavour Flavour { get; set; } = ConfluenceFlavour.Cloud;

    /// <summary>The account email for Cloud's Basic authentication; not used for Data Center.</summary>
    public string? Email { get; set; }

    /// <summary>The Cloud API token, or the Data Center personal access token.</summary>
    [Secret]
    public string? ApiToken { get; set; }

    /// <summary>The keys of the spaces to sync; at least one.</summary>
    public IList<string> Spaces { get; set; } = [];

    /// <summary><c>page</c> and/or <c>blogpost</c>; only <c>page</c> when not set.</summary>
    public IList<string>? ContentTypes { get; set; }

    /// <summary>Pages and blog posts carrying any of these labels are not synced (and are forgotten when pruning).</summary>
    public IList<string> ExcludeLabels { get; set; } = [];

    /// <summary>Appends the footer comments (and their replies) to the text of each page.</summary>
    public bool IncludeComments { get; set; }

    /// <summary>
    /// The IANA time zone of the site (for example <c>Australia/Sydney</c>), in which Confluence reads the date literals
    /// of CQL queries. When not set, the connector reads <c>defaultTimeZone</c> from the site's system information, and
    /// falls back to UTC with a warning.
    /// </summary>
    public string? SiteTimeZone { get; set; }

    /// <summary>Results per search request (1 to 250); halved for the rest of a run when Confluence fails with 5xx.</summary>
    [Range(1, 250)]
    public int PageSize { get; set; } = 50;

    /// <summary>At most this many requests per second toward Confluence (short bursts of up to one second's worth).</summary>
    [Range(0.01, 1000.0)]
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>
    /// How far before the cursor each incremental query starts, in minutes: it covers search-index lag and clock
    /// skew. Items already delivered at the same version are skipped, so the overlap costs only requests.
    /// </summary>
    [Range(0, 1440)]
    public int OverlapMinutes { get; set; } = 10;

    /// <summary>
    /// The longest <c>Retry-After</c> the connector waits out, in seconds; a longer one ends the run as rate limited
    /// (the cursor stays, the next run resumes).
    /// </summary>
    [Range(1, 3600)]
    public int MaxRetryAfterSeconds { get; set; } = 120;

    /// <summary>The content types to sync, with the default applied, lower case and de-duplicated.</summary>
    public IReadOnlyList<string> EffectiveContentTypes =>
        ContentTypes is { Count: > 0 } types
            ? [.. types.Select(t => t.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal)]
            : ["page"];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult(
                "baseUrl must be an absolute http(s) address, e.g. https://example.atlassian.net/wiki.", [nameof(BaseUrl)]);
        }

        if (BaseUrl is { IsAbsoluteUri: true, UserInfo.Length: > 0 })
        {
            yield return new ValidationResult(
                "baseUrl must not carry credentials; put them in email and apiToken.", [nameof(BaseUrl)]);
        }

        if (string.IsNullOrWhiteSpace(ApiToken))
        {
            yield return new ValidationResult(
                Flavour == ConfluenceFlavour.Cloud
                    ? "apiToken is required: an Atlassian API token of the account named by email."
                    : "apiToken is required: a Data Center personal access token.",
                [nameof(ApiToken)]);
        }

        if (Flavour == ConfluenceFlavour.Cloud && string.IsNullOrWhiteSpace(Email))
        {
            yield return new ValidationResult(
                "email is required for flavour 'cloud' (Basic authentication with email and apiToken).", [nameof(Email)]);
        }

        if (Spaces.Count == 0 || Spaces.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("spaces must list at least one space key, and no empty ones.", [nameof(Spaces)]);
        }

        foreach (var type in EffectiveContentTypes.Where(t => !KnownContentTypes.Contains(t)))
        {
            yield return new ValidationResult(
                $"contentTypes: '{type}' is not supported; use 'page' and/or 'blogpost'.", [nameof(ContentTypes)]);
        }

        if (ExcludeLabels.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("excludeLabels must not contain empty labels.", [nameof(ExcludeLabels)]);
        }

        if (!string.IsNullOrWhiteSpace(SiteTimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(SiteTimeZone, out _))
        {
            yield return new ValidationResult(
                $"siteTimeZone '{SiteTimeZone}' is not a time zone this machine knows; use an IANA id such as 'Europe/Berlin'.",
                [nameof(SiteTimeZone)]);
        }
    }
}
