using System.Globalization;
using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;

namespace ConnectorHost.MemorySync;

/// <summary>
/// Reads the service's successful answers, tolerant of the shapes deployments are known to send: ids as integers or
/// as <c>m_&lt;n&gt;</c> strings, <c>memory_id</c> in place of <c>id</c>, "skipped" and quota-silent answers without
/// any id. An answer that cannot be read is an error, never a guess: a skipped or suppressed write must not be taken
/// for a stored one.
/// </summary>
internal static class MemorySyncResponses
{
    private static readonly HashSet<string> s_rejected = new(StringComparer.OrdinalIgnoreCase)
    {
        "rejected", "error", "failed", "invalid",
    };

    private static readonly HashSet<string> s_skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "skipped", "duplicate", "deduplicated",
    };

    /// <summary>Reads the answer of <c>POST /memory/add</c>.</summary>
    public static MemoryAddResult ReadAdd(JsonElement root, string? requestId)
    {
        RequireObject(root);
        if (TryReadId(root, out _))
        {
            return new MemoryAddResult { Status = MemoryWriteStatus.Created, Memory = ReadMemory(root), RequestId = requestId };
        }

        var status = GetString(root, "status");
        if (IsQuotaSilent(status))
        {
            return new MemoryAddResult { Status = MemoryWriteStatus.QuotaSuppressed, RequestId = requestId };
        }

        if (IsSkipped(status))
        {
            return new MemoryAddResult
            {
                Status = MemoryWriteStatus.Skipped,
                Reason = GetString(root, "reason") ?? status,
                RequestId = requestId,
            };
        }

        throw new FormatException(status is null
            ? "the answer has neither a memory id nor a status"
            : $"the answer has no memory id and the unknown status '{status}'");
    }

    /// <summary>Reads the answer of <c>POST /memory/bulk-add</c>.</summary>
    /// <param name="root">The answer.</param>
    /// <param name="itemCount">How many items the request carried.</param>
    /// <param name="requestId">The answer's request id.</param>
    public static BulkAddResult ReadBulkAdd(JsonElement root, int itemCount, string? requestId)
    {
        RequireObject(root);
        if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            if (IsQuotaSilent(GetString(root, "status")))
            {
                var suppressed = Enumerable.Range(0, itemCount)
                    .Select(index => new BulkAddItemResult(index, MemoryWriteStatus.QuotaSuppressed, [], null))
                    .ToArray();
                return new BulkAddResult { Results = suppressed, QuotaSuppressed = true, RequestId = requestId };
            }

            throw new FormatException("the answer has no results");
        }

        var byIndex = new BulkAddItemResult?[itemCount];
        var position = 0;
        foreach (var entry in results.EnumerateArray())
        {
            RequireObject(entry);
            var index = entry.TryGetProperty("index", out var indexElement) && indexElement.TryGetInt32(out var given)
                ? given
                : position;
            position++;
            if (index < 0 || index >= itemCount || byIndex[index] is not null)
            {
                throw new FormatException($"the answer gives a result for index {index} of {itemCount} items twice or out of range");
            }

            byIndex[index] = ReadBulkItem(entry, index);
        }

        var missing = Array.IndexOf(byIndex, null);
        if (missing >= 0)
        {
            throw new FormatException($"the answer has no result for item {missing} of {itemCount}");
        }

        return new BulkAddResult { Results = byIndex!, RequestId = requestId };
    }

    /// <summary>Reads the answer of <c>POST /memory/query</c>.</summary>
    public static MemoryQueryResult ReadQuery(JsonElement root, string? requestId)
    {
        RequireObject(root);
        var memories = new List<ScoredMemory>();
        if (root.TryGetProperty("memories", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in list.EnumerateArray())
            {
                memories.Add(new ScoredMemory(ReadMemory(entry), GetDouble(entry, "score")));
            }
        }
        else if (!IsQuotaSilent(GetString(root, "status")))
        {
            throw new FormatException("the answer has no memories");
        }

        return new MemoryQueryResult { Memories = memories, RequestId = requestId };
    }

    /// <summary>Reads the answer of <c>DELETE /memory/forget</c>.</summary>
    /// <param name="root">The answer.</param>
    /// <param name="requested">The ids the request named.</param>
    /// <param name="requestId">The answer's request id.</param>
    public static ForgetResult ReadForget(JsonElement root, IReadOnlyCollection<long> requested, string? requestId)
    {
        if (root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("deleted_ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            return new ForgetResult(ReadIds(ids), requestId);
        }

        // Older deployments report only a count; a full count can only mean every requested id.
        var count = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("deleted", out var deleted)
            && deleted.TryGetInt32(out var value) ? value : -1;
        return new ForgetResult(count == requested.Count ? [.. requested] : [], requestId);
    }

    /// <summary>Reads the answer of <c>GET /health</c>.</summary>
    public static MemorySyncHealth ReadHealth(JsonElement root)
    {
        RequireObject(root);
        var components = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != "status" && property.Value.ValueKind == JsonValueKind.String)
            {
                components[property.Name] = property.Value.GetString()!;
            }
        }

        return new MemorySyncHealth(GetString(root, "status") ?? "unknown", components);
    }

    /// <summary>Reads a <c>MemoryResponse</c>, the top level of the answer or its <c>memory</c> member.</summary>
    public static Memory ReadMemory(JsonElement element)
    {
        RequireObject(element);
        if (!TryReadId(element, out var id)
            && element.TryGetProperty("memory", out var wrapped) && wrapped.ValueKind == JsonValueKind.Object)
        {
            return ReadMemory(wrapped);
        }

        if (!TryReadId(element, out id))
        {
            throw new FormatException("a memory has no readable id");
        }

        return new Memory
        {
            Id = id,
            Text = GetString(element, "text") ?? GetString(element, "raw_text") ?? GetString(element, "content") ?? "",
            Source = GetString(element, "source"),
            EventType = GetString(element, "event_type"),
            Tags = element.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? [.. tags.EnumerateArray().Where(tag => tag.ValueKind == JsonValueKind.String).Select(tag => tag.GetString()!)]
                : [],
            Importance = GetDouble(element, "importance"),
            Metadata = element.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                ? metadata.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
                : new Dictionary<string, JsonElement>(StringComparer.Ordinal),
            CreatedAt = GetTimestamp(element, "created_at"),
            UpdatedAt = GetTimestamp(element, "updated_at"),
        };
    }

    /// <summary>Reads a memory id: an integer, a numeric string, or <c>m_&lt;n&gt;</c>.</summary>
    public static bool TryParseId(JsonElement value, out long id)
    {
        id = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out id),
            JsonValueKind.String => TryParseId(value.GetString()!, out id),
            _ => false,
        };
    }

    /// <summary>Reads a memory id written as a string: <c>42</c> or <c>m_42</c>.</summary>
    public static bool TryParseId(string text, out long id)
    {
        var digits = text.StartsWith("m_", StringComparison.Ordinal) ? text.AsSpan(2) : text.AsSpan();
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    private static BulkAddItemResult ReadBulkItem(JsonElement entry, int index)
    {
        var status = GetString(entry, "status");
        var ids = entry.TryGetProperty("memory_ids", out var list) || entry.TryGetProperty("ids", out list)
            ? list.ValueKind == JsonValueKind.Array ? ReadIds(list) : []
            : TryReadId(entry, out var single) ? [single] : [];
        var reason = ReadReason(entry);
        MemoryWriteStatus kind;
        if (string.Equals(status, "created", StringComparison.OrdinalIgnoreCase))
        {
            kind = MemoryWriteStatus.Created;
        }
        else if (IsSkipped(status))
        {
            kind = MemoryWriteStatus.Skipped;
        }
        else if (status is not null && s_rejected.Contains(status))
        {
            kind = MemoryWriteStatus.Rejected;
        }
        else if (IsQuotaSilent(status) && ids.Count == 0)
        {
            kind = MemoryWriteStatus.QuotaSuppressed;
        }
        else
        {
            throw new FormatException($"item {index} has the unknown status '{status}'");
        }

        return new BulkAddItemResult(index, kind, kind == MemoryWriteStatus.Created ? ids : [], reason);
    }

    private static bool IsSkipped(string? status) => status is not null && s_skipped.Contains(status);

    private static bool IsQuotaSilent(string? status) => string.Equals(status, "ok", StringComparison.OrdinalIgnoreCase);

    private static string? ReadReason(JsonElement entry)
    {
        foreach (var name in new[] { "reason", "error", "message", "detail" })
        {
            if (entry.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                return value.ValueKind == JsonValueKind.String ? value.GetString() : MemorySyncErrors.Describe(value);
            }
        }

        return null;
    }

    private static List<long> ReadIds(JsonElement array)
    {
        var ids = new List<long>(array.GetArrayLength());
        foreach (var value in array.EnumerateArray())
        {
            if (!TryParseId(value, out var id))
            {
                throw new FormatException($"'{value.GetRawText()}' is not a memory id");
            }

            ids.Add(id);
        }

        return ids;
    }

    private static bool TryReadId(JsonElement element, out long id)
    {
        id = 0;
        return (element.TryGetProperty("id", out var value) && TryParseId(value, out id))
            || (element.TryGetProperty("memory_id", out value) && TryParseId(value, out id));
    }

    private static void RequireObject(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"expected a JSON object, got {element.ValueKind}");
        }
    }

    internal static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static double? GetDouble(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static DateTimeOffset? GetTimestamp(JsonElement element, string name) =>
        GetString(element, name) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp)
            ? timestamp
            : null;
}
