using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;

namespace ConnectorHost.Delivery;

/// <summary>
/// The bytes of bulk-add requests, written deterministically (fixed property order, metadata in the order given) so
/// that an item's hash and an outbox entry's body never depend on anything but the item.
/// </summary>
internal static class BulkAddWire
{
    private static readonly JsonSerializerOptions s_valueOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>One bulk-add item: <c>{"text","source","event_type","tags","importance","metadata","ttl_minutes"}</c>.</summary>
    public static byte[] SerializeItem(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("text", item.Text);
            if (item.Source is not null)
            {
                writer.WriteString("source", item.Source);
            }

            if (item.EventType is not null)
            {
                writer.WriteString("event_type", item.EventType);
            }

            if (item.Tags is { Count: > 0 })
            {
                writer.WriteStartArray("tags");
                foreach (var tag in item.Tags)
                {
                    writer.WriteStringValue(tag);
                }

                writer.WriteEndArray();
            }

            if (item.Importance is { } importance)
            {
                writer.WriteNumber("importance", importance);
            }

            if (item.Metadata is { Count: > 0 })
            {
                writer.WritePropertyName("metadata");
                WriteMetadata(writer, item.Metadata);
            }

            if (item.TtlMinutes is { } ttl)
            {
                writer.WriteNumber("ttl_minutes", ttl);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary><c>{"items":[...],"deduplicate":bool}</c> from serialized items.</summary>
    public static byte[] ComposeBulkAdd(IReadOnlyList<byte[]> items, bool deduplicate)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var buffer = new MemoryStream(items.Sum(i => i.Length + 1) + 40);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(item, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("deduplicate", deduplicate);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMetadata(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> metadata)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in metadata)
        {
            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                writer.WriteStringValue(dt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case IReadOnlyDictionary<string, object?> nested:
                WriteMetadata(writer, nested);
                break;
            case IEnumerable<string> strings:
                writer.WriteStartArray();
                foreach (var s in strings)
                {
                    writer.WriteStringValue(s);
                }

                writer.WriteEndArray();
                break;
            default:
                // Numbers and anything else System.Text.Json knows how to write.
                JsonSerializer.Serialize(writer, value, value.GetType(), s_valueOptions);
                break;
        }
    }
}
