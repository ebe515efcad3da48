using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Confluence.Http;
using ConnectorHost.Plugins.Confluence.Text;

namespace ConnectorHost.Plugins.Confluence.Sync;

/// <summary>Turns a v1 page or blog post (with the item expansions) into a <see cref="SourceItem"/>.</summary>
internal sealed class ItemBuilder(ConfluenceSite site, ConfluenceOptions options)
{
    public const string Source = "confluence";

    /// <summary>
    /// The fingerprint of an item: its page version and whether comments are part of its text. When the host's ledger
    /// holds the same fingerprint the item is not read again (comment changes come through their own search results).
    /// </summary>
    public static string Fingerprint(int versionNumber, bool includeComments) =>
        includeComments
            ? $"v{versionNumber.ToString(CultureInfo.InvariantCulture)}+comments"
            : $"v{versionNumber.ToString(CultureInfo.InvariantCulture)}";

    public async Task<SourceItem> BuildAsync(Content content, CancellationToken cancellationToken)
    {
        var body = StorageTree.Parse(content.Body?.Storage?.Value ?? "");
        var comments = new List<(SiteComment Comment, StorageElement Body)>();
        if (options.IncludeComments)
        {
            foreach (var comment in await site.GetFooterCommentsAsync(content, cancellationToken))
            {
                comments.Add((comment, StorageTree.Parse(comment.Storage)));
            }
        }

        var users = StorageFormatConverter.MentionedUsers(body)
            .Concat(comments.SelectMany(c => StorageFormatConverter.MentionedUsers(c.Body)))
            .Concat(comments.Where(c => c.Comment.AuthorName is null).Select(c => c.Comment.AuthorId).OfType<string>());
        await site.ResolveUserNamesAsync(users, cancellationToken);

        var number = content.Version?.Number ?? 0;
        var text = StorageFormatConverter.ToText(body, site.UserNames);
        var version = number.ToString(CultureInfo.InvariantCulture);
        if (options.IncludeComments)
        {
            var thread = RenderComments(comments);
            // The comments are part of the text, so they are part of the version: a new comment re-delivers the page.
            version += "." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(thread)))[..12];
            if (thread.Length > 0)
            {
                text = text.Length > 0 ? text + "\n\nComments:\n" + thread : "Comments:\n" + thread;
            }
        }

        var labels = content.Metadata?.Labels?.Results.Select(l => l.Name).Where(n => n.Length > 0).ToList() ?? [];
        var ancestors = content.Ancestors?.Select(a => a.Title ?? a.Id).ToList() ?? [];
        var author = content.Version?.By;
        var url = site.WebUrl(content);
        var metadata = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["space_key"] = content.Space?.Key,
            ["space_name"] = content.Space?.Name,
            ["page_id"] = content.Id,
            ["content_type"] = content.Type,
            ["title"] = content.Title,
            ["version_number"] = number,
            ["last_modified"] = content.Version?.When,
            ["author"] = author?.DisplayName ?? author?.PublicName ?? author?.AccountId ?? author?.UserKey,
            ["author_account_id"] = author?.AccountId ?? author?.UserKey,
            ["labels"] = labels,
            ["ancestors"] = ancestors,
            ["ancestors_path"] = string.Join(" / ", ancestors),
            ["web_url"] = url?.AbsoluteUri,
        };
        if (options.IncludeComments)
        {
            metadata["comment_count"] = comments.Count;
        }

        return new SourceItem
        {
            NativeId = content.Id,
            Version = version,
            Title = content.Title,
            Text = text,
            Source = Source,
            EventType = content.Type == "blogpost" ? "confluence_blogpost" : "confluence_page",
            Url = url,
            LastModified = content.Version?.When,
            Tags = labels,
            Metadata = metadata,
            Fingerprint = Fingerprint(number, options.IncludeComments),
        };
    }

    private string RenderComments(List<(SiteComment Comment, StorageElement Body)> comments)
    {
        var thread = new StringBuilder();
        foreach (var (comment, commentBody) in comments)
        {
            var indent = new string(' ', comment.Depth * 2);
            var author = comment.AuthorName
                ?? (comment.AuthorId is not null && site.UserNames.TryGetValue(comment.AuthorId, out var name) ? name : comment.AuthorId)
                ?? "unknown";
            var when = comment.When is { } w ? " (" + w.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ")" : "";
            var lines = StorageFormatConverter.ToText(commentBody, site.UserNames).Split('\n');
            thread.Append(indent).Append("- ").Append(author).Append(when).Append(": ").Append(lines[0]).Append('\n');
            foreach (var line in lines.Skip(1))
            {
                thread.Append(line.Length > 0 ? indent + "  " + line : "").Append('\n');
            }
        }

        return thread.ToString().TrimEnd();
    }
}
