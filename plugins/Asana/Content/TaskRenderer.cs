using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Asana.Api;

namespace ConnectorHost.Plugins.Asana.Content;

/// <summary>
/// Turns an Asana task and its comments into a <see cref="SourceItem"/>: the name as title; notes, assignee, due date,
/// status, projects, tags, custom field values and comments as text; the metadata the connector documents.
/// </summary>
/// <remarks>
/// <para>
/// Version = <c>modified_at</c> plus a digest of everything delivered (text and metadata, hence the comment set). The
/// digest matters because some changes do not bump <c>modified_at</c> (a task moved to another project or section,
/// a tag added), and it keeps "same version, same content" true whatever the settings.
/// </para>
/// <para>
/// Fingerprint = <c>modified_at</c> plus a digest of the task record as listed and of the settings that shape the
/// content. The host remembers it, so a task listed again unchanged (overlap window, full listing) costs no stories
/// request and yields nothing. A comment edit that does not bump <c>modified_at</c> is not seen until the task
/// changes otherwise.
/// </para>
/// </remarks>
internal sealed class TaskRenderer
{
    public const string Source = "asana";
    public const string EventType = "asana_task";

    private static readonly JsonSerializerOptions s_canonical = new(AsanaClient.JsonOptions) { WriteIndented = false };

    private readonly AsanaOptions _options;
    private readonly HashSet<string> _mappedFields;

    public TaskRenderer(AsanaOptions options)
    {
        _options = options;
        _mappedFields = new HashSet<string>(options.CustomFields, StringComparer.OrdinalIgnoreCase);
        SettingsDigest = Digest(string.Join(
            '\n',
            $"completed={options.IncludeCompleted}",
            $"comments={options.IncludeComments}",
            "fields=" + string.Join(',', options.CustomFields.Order(StringComparer.OrdinalIgnoreCase))))[..12];
    }

    /// <summary>A digest of the settings that shape what is delivered; a change calls for a full listing.</summary>
    public string SettingsDigest { get; }

    /// <summary>Whether the task is delivered at all under the settings (completed tasks may not be).</summary>
    public bool IsDelivered(AsanaTask task) => _options.IncludeCompleted || !task.Completed;

    /// <summary>The cheap change detector of a task as listed (see the class remarks).</summary>
    public string Fingerprint(AsanaTask task) =>
        $"{AsanaClient.Timestamp(task.ModifiedAt)}#{Digest(JsonSerializer.Serialize(task, s_canonical) + SettingsDigest)[..16]}";

    /// <summary>Renders the task with its stories (comments are picked out of them, in order).</summary>
    public SourceItem Render(AsanaTask task, IReadOnlyList<AsanaStory> stories, string fingerprint)
    {
        var comments = _options.IncludeComments
            ? stories.Where(s => s.ResourceSubtype == "comment_added").ToList()
            : [];
        var text = RenderText(task, comments);
        var metadata = RenderMetadata(task);
        var digest = Digest(text + "\n" + JsonSerializer.Serialize(metadata, s_canonical))[..16];
        return new SourceItem
        {
            NativeId = task.Gid,
            Version = $"{AsanaClient.Timestamp(task.ModifiedAt)}#{digest}",
            Title = string.IsNullOrWhiteSpace(task.Name) ? null : task.Name.Trim(),
            Text = text,
            Source = Source,
            EventType = EventType,
            Url = task.PermalinkUrl,
            LastModified = task.ModifiedAt,
            Tags = [.. task.Tags.Select(t => t.Name).OfType<string>().Distinct(StringComparer.Ordinal)],
            Metadata = metadata,
            Fingerprint = fingerprint,
        };
    }

    private static string RenderText(AsanaTask task, List<AsanaStory> comments)
    {
        var text = new StringBuilder();
        var notes = !string.IsNullOrWhiteSpace(task.HtmlNotes) ? HtmlText.Convert(task.HtmlNotes) : task.Notes?.Trim();
        if (!string.IsNullOrEmpty(notes))
        {
            text.Append(notes).Append("\n\n");
        }

        if (task.Assignee?.Name is { } assignee)
        {
            text.Append("Assignee: ").Append(assignee).Append('\n');
        }

        if (Due(task) is { } due)
        {
            text.Append("Due: ").Append(due).Append('\n');
        }

        text.Append("Status: ").Append(task.Completed ? "completed" : "open");
        if (task.Completed && task.CompletedAt is { } completedAt)
        {
            text.Append(" (").Append(completedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(')');
        }

        text.Append('\n');
        var projects = task.Memberships
            .Where(m => m.Project?.Name is not null)
            .Select(m => m.Section?.Name is { } section ? $"{m.Project!.Name} ({section})" : m.Project!.Name!)
            .ToList();
        if (projects.Count > 0)
        {
            text.Append(projects.Count == 1 ? "Project: " : "Projects: ").AppendJoin(", ", projects).Append('\n');
        }

        var tags = task.Tags.Select(t => t.Name).OfType<string>().ToList();
        if (tags.Count > 0)
        {
            text.Append("Tags: ").AppendJoin(", ", tags).Append('\n');
        }

        foreach (var field in task.CustomFields.Where(f => !string.IsNullOrWhiteSpace(f.DisplayValue)))
        {
            text.Append(field.Name ?? field.Gid).Append(": ").Append(field.DisplayValue!.Trim()).Append('\n');
        }

        if (comments.Count > 0)
        {
            text.Append("\nComments:\n");
            foreach (var comment in comments)
            {
                text.Append(comment.CreatedBy?.Name ?? "Someone").Append(", ")
                    .Append(comment.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))
                    .Append(":\n").Append(comment.Text?.Trim()).Append("\n\n");
            }
        }

        return text.ToString().Trim();
    }

    private Dictionary<string, object?> RenderMetadata(AsanaTask task)
    {
        var metadata = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["task_gid"] = task.Gid,
            ["permalink_url"] = task.PermalinkUrl?.AbsoluteUri,
            ["projects"] = task.Memberships.Select(m => m.Project?.Name ?? m.Project?.Gid).OfType<string>().ToList(),
            ["project_gids"] = task.Memberships.Select(m => m.Project?.Gid).OfType<string>().ToList(),
            ["section"] = task.Memberships.Select(m => m.Section?.Name).FirstOrDefault(n => n is not null),
            ["assignee"] = task.Assignee?.Name,
            ["completed"] = task.Completed,
            ["due"] = Due(task),
            ["tags"] = task.Tags.Select(t => t.Name).OfType<string>().ToList(),
        };
        var mapped = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in task.CustomFields)
        {
            if (_mappedFields.Contains(field.Gid) || (field.Name is not null && _mappedFields.Contains(field.Name)))
            {
                mapped.TryAdd(field.Name ?? field.Gid, field.DisplayValue);
            }
        }

        if (mapped.Count > 0)
        {
            metadata["custom_fields"] = mapped;
        }

        return metadata;
    }

    private static string? Due(AsanaTask task) =>
        task.DueAt is { } dueAt ? AsanaClient.Timestamp(dueAt) : task.DueOn;

    private static string Digest(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
