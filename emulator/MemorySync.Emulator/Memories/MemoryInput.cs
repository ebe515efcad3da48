using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MemorySync.Emulator.Memories;

/// <summary>A validated memory to store: the body of <c>/memory/add</c> or one item of <c>/memory/bulk-add</c>.</summary>
internal sealed record MemoryInput
{
    public required string Text { get; init; }

    public string? Source { get; init; }

    public string? EventType { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public double Importance { get; init; } = 0.5;

    public int? TtlMinutes { get; init; }

    public JsonElement Metadata { get; init; } = JsonObjects.Empty;

    /// <summary>The <c>deduplicate</c> field of a single add; bulk items use the request's.</summary>
    public bool? Deduplicate { get; init; }

    /// <summary>The hash of the sanitized (trimmed) text: identical inputs of one end user are duplicates.</summary>
    public UInt128 InputHash => HashText(Text);

    public static UInt128 HashText(string text) => HashBytes(Encoding.UTF8.GetBytes(text));

    public static UInt128 HashBytes(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return new UInt128(
            BitConverter.ToUInt64(digest[..8]), BitConverter.ToUInt64(digest[8..16]));
    }
}

/// <summary>A field-level validation failure, in FastAPI's terms (<c>loc</c>, <c>msg</c>, <c>type</c>).</summary>
/// <param name="Loc">Where: <c>["body","items",3,"text"]</c>; strings and integers.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Type">The error type, e.g. <c>string_too_short</c>.</param>
internal sealed record FieldError(IReadOnlyList<object> Loc, string Message, string Type)
{
    /// <summary>The location after <c>body</c>, dotted, and the message: <c>text: String should have ...</c>.</summary>
    public string Describe(int skip = 1) => $"{string.Join('.', Loc.Skip(skip))}: {Message}";
}

/// <summary>Reads and validates memory fields with the service's documented rules.</summary>
internal static class MemoryInputReader
{
    public const int MinTextLength = 10;
    public const int MaxSourceLength = 64;

    /// <summary>Reads one memory object; adds errors and returns <see langword="null"/> when it is invalid.</summary>
    public static MemoryInput? Read(JsonElement item, object[] loc, List<FieldError> errors, bool readDeduplicate)
    {
        var before = errors.Count;
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(loc, "Input should be a valid dictionary", "dict_type"));
            return null;
        }

        // `content` is an alias the service normalises into `text`.
        var textName = item.TryGetProperty("text", out _) ? "text" : item.TryGetProperty("content", out _) ? "content" : "text";
        var text = RequiredString(item, textName, loc, errors);
        if (text is not null)
        {
            text = text.Trim();
            if (text.Length < MinTextLength)
            {
                errors.Add(new FieldError(
                    [.. loc, textName], $"String should have at least {MinTextLength} characters", "string_too_short"));
            }
        }

        var source = OptionalString(item, "source", loc, errors);
        if (source is { Length: > MaxSourceLength })
        {
            errors.Add(new FieldError(
                [.. loc, "source"], $"String should have at most {MaxSourceLength} characters", "string_too_long"));
        }

        var input = new MemoryInput
        {
            Text = text ?? string.Empty,
            Source = source,
            EventType = OptionalString(item, "event_type", loc, errors),
            Tags = ReadTags(item, "tags", loc, errors) ?? [],
            Importance = ReadImportance(item, loc, errors) ?? 0.5,
            TtlMinutes = ReadTtl(item, loc, errors),
            Metadata = ReadMetadata(item, loc, errors) ?? JsonObjects.Empty,
            Deduplicate = readDeduplicate ? OptionalBool(item, "deduplicate", loc, errors) : null,
        };
        return errors.Count == before ? input : null;
    }

    public static string? RequiredString(JsonElement obj, string name, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            errors.Add(new FieldError([.. loc, name], "Field required", "missing"));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError([.. loc, name], "Input should be a valid string", "string_type"));
            return null;
        }

        return value.GetString();
    }

    public static string? OptionalString(JsonElement obj, string name, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError([.. loc, name], "Input should be a valid string", "string_type"));
            return null;
        }

        return value.GetString();
    }

    public static bool? OptionalBool(JsonElement obj, string name, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add(new FieldError([.. loc, name], "Input should be a valid boolean", "bool_type"));
            return null;
        }

        return value.GetBoolean();
    }

    /// <summary>Tags: trimmed, lower-cased, empty ones dropped, duplicates removed (first one kept).</summary>
    public static IReadOnlyList<string>? ReadTags(JsonElement obj, string name, object[] loc, List<FieldError> errors) =>
        ReadStrings(obj, name, loc, errors, static tag => tag.Trim().ToLowerInvariant());

    /// <summary>A list of strings, normalised and de-duplicated; <see langword="null"/> when absent.</summary>
    public static IReadOnlyList<string>? ReadStrings(
        JsonElement obj, string name, object[] loc, List<FieldError> errors, Func<string, string> normalize)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError([.. loc, name], "Input should be a valid list", "list_type"));
            return null;
        }

        var tags = new List<string>();
        var index = 0;
        foreach (var tag in value.EnumerateArray())
        {
            if (tag.ValueKind != JsonValueKind.String)
            {
                errors.Add(new FieldError([.. loc, name, index], "Input should be a valid string", "string_type"));
            }
            else
            {
                var normalized = normalize(tag.GetString()!);
                if (normalized.Length > 0 && !tags.Contains(normalized, StringComparer.Ordinal))
                {
                    tags.Add(normalized);
                }
            }

            index++;
        }

        return tags;
    }

    public static double? ReadImportance(JsonElement obj, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty("importance", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var importance))
        {
            errors.Add(new FieldError([.. loc, "importance"], "Input should be a valid number", "float_parsing"));
            return null;
        }

        if (importance is < 0 or > 1)
        {
            errors.Add(importance < 0
                ? new FieldError([.. loc, "importance"], "Input should be greater than or equal to 0", "greater_than_equal")
                : new FieldError([.. loc, "importance"], "Input should be less than or equal to 1", "less_than_equal"));
            return null;
        }

        return importance;
    }

    public static JsonElement? ReadMetadata(JsonElement obj, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty("metadata", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError([.. loc, "metadata"], "Input should be a valid dictionary", "dict_type"));
            return null;
        }

        return value.Clone();
    }

    private static int? ReadTtl(JsonElement obj, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty("ttl_minutes", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var ttl))
        {
            errors.Add(new FieldError([.. loc, "ttl_minutes"], "Input should be a valid integer", "int_parsing"));
            return null;
        }

        if (ttl < 1)
        {
            errors.Add(new FieldError([.. loc, "ttl_minutes"], "Input should be greater than or equal to 1", "greater_than_equal"));
            return null;
        }

        return ttl;
    }
}
