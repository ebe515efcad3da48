using System.ComponentModel.DataAnnotations;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Asana;

/// <summary>Settings of an Asana connector instance (<c>connectors[].settings</c> in <c>plugins.json</c>).</summary>
public sealed class AsanaOptions : IValidatableObject
{
    /// <summary>The API root. Default <c>https://app.asana.com/api/1.0</c>; set it for a proxy or a test fake.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://app.asana.com/api/1.0");

    /// <summary>A personal access token, sent as a Bearer token. Required; use a <c>${env:NAME}</c> reference.</summary>
    [Secret]
    [Required(AllowEmptyStrings = false)]
    public string AccessToken { get; set; } = string.Empty;

    /// <summary>The workspace (or organization) gid. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[0-9]+$", ErrorMessage = "workspace must be an Asana gid (digits only).")]
    public string Workspace { get; set; } = string.Empty;

    /// <summary>
    /// The project gids to sync. Default empty: every non-archived project of the workspace, or of <see cref="Team"/>
    /// when set.
    /// </summary>
    public IList<string> Projects { get; } = [];

    /// <summary>A team gid: with an empty <see cref="Projects"/>, sync the team's non-archived projects only.</summary>
    [RegularExpression("^[0-9]+$", ErrorMessage = "team must be an Asana gid (digits only).")]
    public string? Team { get; set; }

    /// <summary>Deliver completed tasks. Default true; when false, a task that becomes completed is forgotten.</summary>
    public bool IncludeCompleted { get; set; } = true;

    /// <summary>Add the comments of each task to its text. Default true.</summary>
    public bool IncludeComments { get; set; } = true;

    /// <summary>Custom fields (names or gids) whose values go into the metadata. Default none.</summary>
    public IList<string> CustomFields { get; } = [];

    /// <summary>Requests per minute toward Asana. Default 1,500 (paid plans); use 150 for free workspaces.</summary>
    [Range(1, 100_000)]
    public int RequestsPerMinute { get; set; } = 1500;

    /// <summary>Requests in flight at once. Default 10; Asana refuses more than 50 concurrent GETs per token.</summary>
    [Range(1, 50)]
    public int MaxConcurrentRequests { get; set; } = 10;

    /// <summary>
    /// How often each project is listed in full (to catch what the incremental listing and the events cannot see:
    /// tasks moved in, restores, missed events), and how often the host prunes. Default one day.
    /// </summary>
    public TimeSpan FullListingInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How far before the last high-water mark each incremental listing starts (<c>modified_since</c>), to absorb
    /// clock skew between Asana's servers. Default five minutes; unchanged tasks in the overlap cost no request.
    /// </summary>
    public TimeSpan ModifiedSinceOverlap { get; set; } = TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult(
                "baseUrl must be an absolute http(s) URL such as https://app.asana.com/api/1.0.", [nameof(BaseUrl)]);
        }

        foreach (var project in Projects.Where(p => string.IsNullOrEmpty(p) || !p.All(char.IsAsciiDigit)))
        {
            yield return new ValidationResult(
                $"projects must hold Asana project gids (digits only); '{project}' is not one.", [nameof(Projects)]);
        }

        if (FullListingInterval < TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult(
                "fullListingInterval must be at least one minute (e.g. \"1.00:00:00\" for a day).",
                [nameof(FullListingInterval)]);
        }

        if (ModifiedSinceOverlap < TimeSpan.Zero || ModifiedSinceOverlap > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult(
                "modifiedSinceOverlap must be between 0 and one day (e.g. \"00:05:00\").",
                [nameof(ModifiedSinceOverlap)]);
        }
    }
}
