using System.Diagnostics.CodeAnalysis;
using ConnectorHost.Plugins.FileSystemCms.Text;

namespace ConnectorHost.Plugins.FileSystemCms.Documents;

/// <summary>A content file converted for MemorySync.</summary>
/// <param name="Title">The title: from front matter, else the first heading, else the file name.</param>
/// <param name="Text">The body as plain text, without the title.</param>
/// <param name="Tags">The tags, de-duplicated case-insensitively, in order of appearance.</param>
/// <param name="Fields">The front matter fields mapped to metadata.</param>
internal sealed record CmsDocument(string Title, string Text, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, object?> Fields);

/// <summary>
/// Converts a content file's bytes to a <see cref="CmsDocument"/>, or says why the file is not delivered (not text,
/// empty, a draft, unreadable front matter). Refusals are reasons, never exceptions: bad input must not fail a run.
/// </summary>
/// <remarks>Not thread-safe; create one per run.</remarks>
internal sealed class DocumentConverter
{
    /// <summary>
    /// The revision of the conversion rules. Bump it whenever the text or metadata produced for the same file changes,
    /// so that fingerprints change and every file is read again after an upgrade.
    /// </summary>
    public const int Revision = 1;

    // Metadata keys the connector or the host sets itself; front matter cannot override them.
    private static readonly HashSet<string> s_reservedKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "path", "title", "tags", "last_modified", "native_id", "version", "source", "connector", "url",
    };

    private static readonly HashSet<string> s_markdownExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".md", ".markdown", ".mdown", ".mkd", ".mkdn",
    };

    private static readonly HashSet<string> s_htmlExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".html", ".htm", ".xhtml",
    };

    private readonly FileSystemCmsOptions _options;
    private readonly IReadOnlyList<string> _tagKeys;
    private readonly HtmlToText _html = new();
    private readonly MarkdownToText _markdown;

    public DocumentConverter(FileSystemCmsOptions options)
    {
        _options = options;
        _tagKeys = options.TagKeys?.ToList() ?? [.. FileSystemCmsOptions.DefaultTagKeys];
        _markdown = new MarkdownToText(_html);
    }

    /// <summary>Converts a file.</summary>
    /// <param name="relativePath">The file's path relative to the root (its name and extension choose the format).</param>
    /// <param name="bytes">The file's content.</param>
    /// <param name="document">The converted document.</param>
    /// <param name="skipReason">Why the file is not delivered.</param>
    /// <returns><see langword="true"/> when the file converted to a document.</returns>
    public bool TryConvert(
        string relativePath,
        ReadOnlySpan<byte> bytes,
        [NotNullWhen(true)] out CmsDocument? document,
        [NotNullWhen(false)] out string? skipReason)
    {
        document = null;
        if (!TextDecoder.TryDecode(bytes, out var content, out skipReason))
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(content))
        {
            skipReason = "empty file";
            return false;
        }

        content = content.ReplaceLineEndings("\n");
        var extension = Path.GetExtension(relativePath);
        var isMarkdown = s_markdownExtensions.Contains(extension);
        var isHtml = s_htmlExtensions.Contains(extension);
        var frontMatter = FrontMatter.Empty;
        if ((isMarkdown || isHtml) && !FrontMatter.TryParse(content, out frontMatter, out content, out skipReason))
        {
            return false;
        }

        if (!_options.IncludeDrafts && frontMatter.DraftMarker is { } marker)
        {
            skipReason = $"draft (front matter {marker}; set includeDrafts to deliver drafts)";
            return false;
        }

        string text;
        string? heading = null;
        IReadOnlyList<string> keywords = [];
        if (isMarkdown)
        {
            (text, heading) = _markdown.Convert(content);
        }
        else if (isHtml)
        {
            (text, heading, keywords) = _html.Convert(content);
        }
        else
        {
            text = content.Trim();
        }

        var title = Trimmed(frontMatter.GetString(_options.TitleKey)) ?? heading ?? Path.GetFileNameWithoutExtension(relativePath);
        if (isMarkdown || isHtml)
        {
            text = WithoutLeadingTitle(text, title);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            skipReason = "no text after conversion (only front matter, markup or a title)";
            return false;
        }

        document = new CmsDocument(title, text, Tags(frontMatter, keywords), Fields(frontMatter));
        return true;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // The title is delivered on its own; a page that opens with the same heading would repeat it.
    private static string WithoutLeadingTitle(string text, string title)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        var firstLine = end < 0 ? text : text[..end];
        return string.Equals(firstLine.Trim(), title, StringComparison.OrdinalIgnoreCase)
            ? (end < 0 ? string.Empty : text[(end + 1)..].TrimStart('\n'))
            : text;
    }

    private List<string> Tags(FrontMatter frontMatter, IReadOnlyList<string> keywords)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return _tagKeys
            .SelectMany(frontMatter.GetStrings)
            .Concat(keywords)
            .Select(tag => tag.Trim())
            .Where(tag => tag.Length > 0 && seen.Add(tag))
            .ToList();
    }

    private Dictionary<string, object?> Fields(FrontMatter frontMatter)
    {
        IEnumerable<string> keys = _options.MetadataKeys
            ?? frontMatter.Fields.Keys.Where(key =>
                !string.Equals(key, _options.TitleKey, StringComparison.Ordinal) && !_tagKeys.Contains(key, StringComparer.Ordinal));
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!s_reservedKeys.Contains(key) && frontMatter.Fields.TryGetValue(key, out var value) && value is not null)
            {
                fields[key] = value;
            }
        }

        return fields;
    }
}
