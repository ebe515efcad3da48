using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;

namespace ConnectorHost.MemorySync;

/// <summary>
/// The request bodies the client sends, written deterministically: the same input always gives the same bytes
/// (properties in a fixed order, metadata keys sorted ordinally, nulls left out), so a request kept in the outbox can
/// be re-sent byte-identical and compared.
/// </summary>
internal static class MemorySyncWire
{
    /// <summary>The most items one bulk-add request may carry.</summary>
    public const int MaxBulkItems = 50;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Bodies are JSON for an API, never embedded in HTML: keep non-ASCII text as UTF-8 rather than \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>The body of <c>POST /memory/bulk-add</c>.</summary>
    /// <param name="items">1 to 50 memories.</param>
    /// <param name="deduplicate">The service's <c>deduplicate</c> flag; <see langword="null"/> leaves it out.</param>
    /// <returns>UTF-8 JSON.</returns>
    /// <exception cref="ArgumentException">No items, more than 50, or metadata of a type JSON cannot carry.</exception>
    public static byte[] SerializeBulkAdd(IReadOnlyList<MemoryItem> items, bool? deduplicate)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count is 0 or > MaxBulkItems)
        {
            throw new ArgumentException(
                $"A bulk add carries 1 to {MaxBulkItems} items; {items.Count} were given.", nameof(items));
        }

        return ComposeBulkAdd([.. items.Select(SerializeItem)], deduplicate);
    }

    /// <summary>
    /// One bulk-add item on its own, <c>{"text","source","event_type","tags","importance","metadata","ttl_minutes"}</c>:
    /// the delivery pipeline hashes these bytes and keeps them in the outbox, then joins them with
    /// <see cref="ComposeBulkAdd"/>.
    /// </summary>
    /// <param name="item">The memory.</param>
    /// <returns>UTF-8 JSON.</returns>
    /// <exception cref="ArgumentException">Metadata of a type JSON cannot carry, or a number that is not finite.</exception>
    public static byte[] SerializeItem(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Write(writer =>
        {
            writer.WriteStartObject();
            WriteItemFields(writer, item);
            writer.WriteEndObject();
        });
    }

    /// <summary>The body of <c>POST /memory/bulk-add</c> from items <see cref="SerializeItem"/> wrote.</summary>
    /// <param name="items">Serialized items, written as they are.</param>
    /// <param name="deduplicate">The service's <c>deduplicate</c> flag; <see langword="null"/> leaves it out.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] ComposeBulkAdd(IReadOnlyList<byte[]> items, bool? deduplicate)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(item, skipInputValidation: true);
            }

            writer.WriteEndArray();
            if (deduplicate is { } flag)
            {
                writer.WriteBoolean("deduplicate", flag);
            }

            writer.WriteEndObject();
        });
    }

    /// <summary>The body of <c>POST /memory/add</c>.</summary>
    /// <param name="endUserId">The end user, repeated as <c>user_id</c> (the header is what the service uses).</param>
    /// <param name="item">The memory.</param>
    /// <param name="deduplicate">The service's <c>deduplicate</c> flag; <see langword="null"/> leaves it out.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] SerializeAdd(string endUserId, MemoryItem item, bool? deduplicate)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Write(writer =>
        {
            writer.WriteStartObject();
            WriteItemFields(writer, item);
            writer.WriteString("user_id", endUserId);
            if (deduplicate is { } flag)
            {
                writer.WriteBoolean("deduplicate", flag);
            }

            writer.WriteEndObject();
        });
    }

    /// <summary>The body of <c>POST /memory/query</c>.</summary>
    /// <param name="query">The query.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] SerializeQuery(MemoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("query", query.Query);
            writer.WriteNumber("k", query.K);
            if (query.Sources is not null || query.Tags is not null || query.Since is not null || query.Until is not null)
            {
                writer.WriteStartObject("filters");
                WriteStrings(writer, "sources", query.Sources);
                WriteStrings(writer, "tags", query.Tags);
                WriteTimestamp(writer, "since", query.Since);
                WriteTimestamp(writer, "until", query.Until);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        });
    }

    /// <summary>The body of <c>PATCH /memory/{id}</c>: only the labels that change.</summary>
    /// <param name="labels">The labels.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] SerializeLabels(MemoryLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Write(writer =>
        {
            writer.WriteStartObject();
            WriteStrings(writer, "tags", labels.Tags);
            if (labels.Importance is { } importance)
            {
                WriteNumber(writer, "importance", importance);
            }

            if (labels.Metadata is not null)
            {
                writer.WritePropertyName("metadata");
                WriteValue(writer, labels.Metadata, "metadata");
            }

            WriteOptionalString(writer, "source", labels.Source);
            WriteOptionalString(writer, "event_type", labels.EventType);
            writer.WriteEndObject();
        });
    }

    /// <summary>The body of <c>DELETE /memory/forget</c>.</summary>
    /// <param name="memoryIds">The ids.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] SerializeForget(IReadOnlyCollection<long> memoryIds)
    {
        ArgumentNullException.ThrowIfNull(memoryIds);
        return Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("memory_ids");
            foreach (var id in memoryIds)
            {
                writer.WriteNumberValue(id);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>Counts the items of a bulk-add body (to give one result per item when the answer lists none).</summary>
    /// <param name="jsonBody">A body as <see cref="SerializeBulkAdd"/> writes it.</param>
    /// <returns>The number of items.</returns>
    /// <exception cref="ArgumentException">The body is not a bulk-add body.</exception>
    public static int CountBulkItems(ReadOnlyMemory<byte> jsonBody)
    {
        try
        {
            using var document = JsonDocument.Parse(jsonBody);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("items", out var items)
                && items.ValueKind == JsonValueKind.Array)
            {
                return items.GetArrayLength();
            }
        }
        catch (JsonException)
        {
            // Reported below, with the same message as a body without items.
        }

        throw new ArgumentException("The body is not a bulk-add request ({\"items\":[...]}).", nameof(jsonBody));
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteItemFields(Utf8JsonWriter writer, MemoryItem item)
    {
        writer.WriteString("text", item.Text);
        WriteOptionalString(writer, "source", item.Source);
        WriteOptionalString(writer, "event_type", item.EventType);
        WriteStrings(writer, "tags", item.Tags);
        if (item.Importance is { } importance)
        {
            WriteNumber(writer, "importance", importance);
        }

        if (item.Metadata is not null)
        {
            writer.WritePropertyName("metadata");
            WriteValue(writer, item.Metadata, "metadata");
        }

        if (item.TtlMinutes is { } ttl)
        {
            writer.WriteNumber("ttl_minutes", ttl);
        }
    }

    private static void WriteOptionalString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } timestamp)
        {
            writer.WriteString(name, FormatTimestamp(timestamp));
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        WriteDouble(writer, value, name);
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value, string path)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"{path} is {value}; JSON carries only finite numbers.");
        }

        writer.WriteNumberValue(value);
    }

    private static string FormatTimestamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    // The metadata value types SourceItem documents, plus the few others a plugin plausibly hands over. Anything
    // else is refused rather than serialized by reflection, which would not be guaranteed to be stable.
    private static void WriteValue(Utf8JsonWriter writer, object? value, string path)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or sbyte or byte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case double number:
                WriteDouble(writer, number, path);
                break;
            case float number:
                WriteDouble(writer, number, path);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case DateTimeOffset timestamp:
                writer.WriteStringValue(FormatTimestamp(timestamp));
                break;
            case DateTime timestamp:
                writer.WriteStringValue(timestamp.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                writer.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case Guid guid:
                writer.WriteStringValue(guid.ToString("D"));
                break;
            case Uri uri:
                writer.WriteStringValue(uri.OriginalString);
                break;
            case Enum member:
                writer.WriteStringValue(member.ToString());
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                WriteObject(writer, pairs, path);
                break;
            case IDictionary dictionary:
                WriteObject(writer, dictionary.Cast<DictionaryEntry>().Select(entry => KeyValuePair.Create(
                    Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "", entry.Value)), path);
                break;
            case IEnumerable sequence:
                writer.WriteStartArray();
                var index = 0;
                foreach (var element in sequence)
                {
                    WriteValue(writer, element, $"{path}[{index++}]");
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException(
                    $"{path} is a {value.GetType().Name}; MemorySync metadata carries strings, numbers, booleans, " +
                    "timestamps, lists and nested dictionaries.");
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object?>> pairs, string path)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in pairs.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            WriteValue(writer, value, $"{path}.{key}");
        }

        writer.WriteEndObject();
    }
}
