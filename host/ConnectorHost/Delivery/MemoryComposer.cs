using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConnectorHost.Abstractions;
using ConnectorHost.Abstractions.MemorySync;

namespace ConnectorHost.Delivery;

/// <summary>Turns a connector's <see cref="SourceItem"/> into the memory the host sends, and judges it first.</summary>
internal sealed class MemoryComposer(IMemorySyncTransport transport, DeliveryOptions options)
{
    /// <summary>MemorySync refuses text shorter than this after trimming.</summary>
    public const int MinTextLength = 10;

    /// <summary>MemorySync refuses a longer source label.</summary>
    public const int MaxSourceLength = 64;

    /// <summary>The metadata keys the host sets on every memory (a connector's own values for them are replaced).</summary>
    public static readonly IReadOnlySet<string> HostMetadataKeys =
        new HashSet<string>(StringComparer.Ordinal) { "native_id", "version", "source", "connector", "title", "url", "last_modified" };

    public Composition Compose(ConnectorInstance instance, SourceItem item)
    {
        var text = BuildText(item.Title, item.Text);
        if (text.Length < MinTextLength)
        {
            return Composition.Skipped(
                text.Length == 0
                    ? "no text (empty title and body)"
                    : $"text shorter than {MinTextLength} characters after trimming ({text.Length}); MemorySync refuses it");
        }

        if (text.Length > options.MaxTextLength)
        {
            return Composition.Invalid(
                $"text of {text.Length:N0} characters exceeds delivery.maxTextLength ({options.MaxTextLength:N0})");
        }

        var source = string.IsNullOrWhiteSpace(item.Source) ? instance.PluginId.ToLowerInvariant() : item.Source.Trim();
        if (source.Length > MaxSourceLength)
        {
            return Composition.Invalid($"source label \"{source[..20]}...\" is longer than {MaxSourceLength} characters");
        }

        var metadata = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in item.Metadata)
        {
            metadata[key] = value;
        }

        metadata["native_id"] = item.NativeId;
        metadata["version"] = item.Version;
        metadata["source"] = source;
        metadata["connector"] = instance.Name;
        SetOrRemove(metadata, "title", string.IsNullOrWhiteSpace(item.Title) ? null : item.Title.Trim());
        SetOrRemove(metadata, "url", item.Url?.ToString());
        SetOrRemove(metadata, "last_modified", item.LastModified?.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var tags = item.Tags
            .Select(t => t.Trim().ToLowerInvariant())
            .Where(t => t.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var memory = new MemoryItem
        {
            Text = text,
            Source = source,
            EventType = string.IsNullOrWhiteSpace(item.EventType) ? null : item.EventType.Trim(),
            Tags = tags,
            Metadata = metadata,
        };

        byte[] itemJson;
        byte[] labelsJson;
        try
        {
            itemJson = transport.SerializeItem(memory);
            labelsJson = transport.SerializeItem(memory with { Text = string.Empty });
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or NotSupportedException or InvalidOperationException)
        {
            return Composition.Invalid($"metadata cannot be written as JSON: {ex.Message}");
        }

        return Composition.Ok(new ComposedItem(
            item.NativeId,
            item.Version,
            item.Fingerprint,
            memory,
            itemJson,
            Hash(Encoding.UTF8.GetBytes(text)),
            Hash(labelsJson)));
    }

    /// <summary>Title, a blank line, then the text; line endings normalised; both trimmed.</summary>
    public static string BuildText(string? title, string? text)
    {
        var t = (title ?? string.Empty).Trim();
        var body = (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (t.Length == 0)
        {
            return body;
        }

        return body.Length == 0 ? t : t + "\n\n" + body;
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void SetOrRemove(SortedDictionary<string, object?> metadata, string key, string? value)
    {
        if (value is null)
        {
            metadata.Remove(key);
        }
        else
        {
            metadata[key] = value;
        }
    }
}

/// <summary>A memory ready to send, with the hashes the ledger compares.</summary>
internal sealed record ComposedItem(
    string NativeId,
    string Version,
    string? Fingerprint,
    MemoryItem Memory,
    byte[] ItemJson,
    string ContentHash,
    string LabelsHash);

/// <summary>The outcome of composing: a memory to send, a reason to skip, or a reason it can never be sent.</summary>
internal readonly record struct Composition(ComposedItem? Item, string? SkipReason, string? InvalidReason)
{
    public static Composition Ok(ComposedItem item) => new(item, null, null);

    public static Composition Skipped(string reason) => new(null, reason, null);

    public static Composition Invalid(string reason) => new(null, null, reason);
}
