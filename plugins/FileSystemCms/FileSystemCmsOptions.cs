using System.ComponentModel.DataAnnotations;

namespace ConnectorHost.Plugins.FileSystemCms;

/// <summary>
/// The settings of a <c>FileSystemCms</c> connector instance (<c>connectors[].settings</c> in <c>plugins.json</c>).
/// </summary>
/// <remarks>
/// List settings left out (or <see langword="null"/>) take their documented defaults; an empty list means "none".
/// <code>
/// "settings": {
///   "root": "/srv/cms/content",
///   "exclude": [ "archive/**" ],
///   "maxFileSizeBytes": 65536,
///   "tagKeys": [ "tags", "categories" ]
/// }
/// </code>
/// </remarks>
public sealed class FileSystemCmsOptions : IValidatableObject
{
    /// <summary>The default for <see cref="MaxFileSizeBytes"/>: 5 MB.</summary>
    public const long DefaultMaxFileSizeBytes = 5 * 1024 * 1024;

    /// <summary>The largest allowed <see cref="MaxFileSizeBytes"/>: files are read whole into memory.</summary>
    public const long MaxFileSizeBytesLimit = 1024 * 1024 * 1024;

    /// <summary>The default for <see cref="Include"/>: Markdown, HTML and plain text files in every folder.</summary>
    public static IReadOnlyList<string> DefaultInclude { get; } = ["**/*.md", "**/*.markdown", "**/*.html", "**/*.htm", "**/*.txt"];

    /// <summary>The default for <see cref="TagKeys"/>.</summary>
    public static IReadOnlyList<string> DefaultTagKeys { get; } = ["tags", "categories", "keywords"];

    /// <summary>
    /// The content folder. Required; it must exist. A relative path is resolved against the host's working directory.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string Root { get; set; } = string.Empty;

    /// <summary>
    /// Globs of the files to sync, relative to <see cref="Root"/>, with <c>/</c> separators, matched case-insensitively
    /// (<c>**</c> matches any number of folders). Default: <see cref="DefaultInclude"/>.
    /// </summary>
    public IList<string>? Include { get; set; }

    /// <summary>Globs of files to leave out, even when <see cref="Include"/> matches them. Default: none.</summary>
    public IList<string>? Exclude { get; set; }

    /// <summary>
    /// Whether to follow symbolic links to files and folders. Default <see langword="false"/>: links are ignored.
    /// When <see langword="true"/>, a link back to a folder being walked is not followed again, so walks never loop;
    /// a file reached through a link keeps the path of the link as its id.
    /// </summary>
    public bool FollowSymlinks { get; set; }

    /// <summary>Files larger than this are skipped with a reason. Default: 5 MB.</summary>
    [Range(1, MaxFileSizeBytesLimit)]
    public long MaxFileSizeBytes { get; set; } = DefaultMaxFileSizeBytes;

    /// <summary>
    /// Whether to deliver drafts: files whose front matter says <c>draft: true</c> (or <c>published: false</c>).
    /// Default <see langword="false"/>: drafts are skipped, and forgotten if they were delivered before.
    /// </summary>
    public bool IncludeDrafts { get; set; }

    /// <summary>The front matter key that gives the title. Default: <c>title</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string TitleKey { get; set; } = "title";

    /// <summary>
    /// The front matter keys that give tags: lists of strings, or strings of comma-separated tags.
    /// Default: <see cref="DefaultTagKeys"/>.
    /// </summary>
    public IList<string>? TagKeys { get; set; }

    /// <summary>
    /// The front matter keys that become metadata. Default (<see langword="null"/>): every key with a scalar or
    /// string-list value, except the title and tag keys (they are delivered as the title and tags) and the names the
    /// connector and host set themselves (<c>path</c>, <c>title</c>, <c>tags</c>, <c>last_modified</c>,
    /// <c>native_id</c>, <c>version</c>, <c>source</c>, <c>connector</c>, <c>url</c>).
    /// </summary>
    public IList<string>? MetadataKeys { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Root) && !Directory.Exists(Root))
        {
            yield return new ValidationResult(
                $"The content folder '{Root}' does not exist{Resolved(Root)}. Set root to an existing folder.",
                [nameof(Root)]);
        }

        foreach (var (name, globs) in new[] { (nameof(Include), Include), (nameof(Exclude), Exclude) })
        {
            foreach (var glob in globs ?? [])
            {
                if (string.IsNullOrWhiteSpace(glob) || Path.IsPathRooted(glob) || glob.Split('/', '\\').Contains(".."))
                {
                    yield return new ValidationResult(
                        $"'{glob}' is not a glob relative to root; write it like \"**/*.md\" or \"docs/**\".",
                        [name]);
                }
            }
        }

        if (Include is { Count: 0 })
        {
            yield return new ValidationResult("include is empty, so no file would be synced; leave it out for the default.", [nameof(Include)]);
        }

        foreach (var (name, keys) in new[] { (nameof(TagKeys), TagKeys), (nameof(MetadataKeys), MetadataKeys) })
        {
            if (keys?.Any(string.IsNullOrWhiteSpace) == true)
            {
                yield return new ValidationResult("Front matter keys must not be empty.", [name]);
            }
        }
    }

    private static string Resolved(string path)
    {
        if (Path.IsPathFullyQualified(path))
        {
            return string.Empty;
        }

        try
        {
            return $" (resolved to '{Path.GetFullPath(path)}')";
        }
        catch (ArgumentException)
        {
            return string.Empty;
        }
    }
}
