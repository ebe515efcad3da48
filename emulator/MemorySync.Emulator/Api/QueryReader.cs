using System.Globalization;
using System.Text.Json;
using MemorySync.Emulator.Memories;

namespace MemorySync.Emulator.Api;

/// <summary>A validated <c>/memory/query</c> body.</summary>
internal sealed record MemoryQuery(
    string Text,
    int K,
    IReadOnlySet<string>? Sources,
    IReadOnlySet<string>? Tags,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    JsonElement? MetadataFilter)
{
    public bool Matches(StoredMemory memory) =>
        (Sources is null || (memory.Source is { } source && Sources.Contains(source)))
        && (Tags is null || memory.Tags.Any(Tags.Contains))
        && (Since is null || memory.CreatedAt >= Since)
        && (Until is null || memory.CreatedAt <= Until)
        && (MetadataFilter is not { } filter || MetadataMatch.Contains(memory.Metadata, filter));
}

/// <summary>Reads the query body: <c>query</c>, <c>k</c> (clamped to 1..50), <c>filters</c> and <c>metadata_filter</c>.</summary>
internal static class QueryReader
{
    public static MemoryQuery? Read(JsonElement root, List<FieldError> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(["body"], "Input should be a valid dictionary", "dict_type"));
            return null;
        }

        var text = MemoryInputReader.RequiredString(root, "query", ["body"], errors);
        if (text is not null && text.Trim().Length == 0)
        {
            errors.Add(new FieldError(["body", "query"], "String should have at least 1 character", "string_too_short"));
        }

        var k = MemoryEndpoints.DefaultK;
        if (root.TryGetProperty("k", out var kValue) && kValue.ValueKind != JsonValueKind.Null)
        {
            if (kValue.ValueKind == JsonValueKind.Number && kValue.TryGetInt64(out var requested))
            {
                k = (int)Math.Clamp(requested, 1, MemoryEndpoints.MaxK);
            }
            else
            {
                errors.Add(new FieldError(["body", "k"], "Input should be a valid integer", "int_parsing"));
            }
        }

        HashSet<string>? sources = null;
        HashSet<string>? tags = null;
        DateTimeOffset? since = null;
        DateTimeOffset? until = null;
        JsonElement? metadata = null;
        if (root.TryGetProperty("filters", out var filters) && filters.ValueKind != JsonValueKind.Null)
        {
            object[] loc = ["body", "filters"];
            if (filters.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new FieldError(loc, "Input should be a valid dictionary", "dict_type"));
            }
            else
            {
                if (MemoryInputReader.ReadStrings(filters, "sources", loc, errors, static s => s) is { } many)
                {
                    sources = new HashSet<string>(many, StringComparer.Ordinal);
                }

                if (MemoryInputReader.OptionalString(filters, "source", loc, errors) is { } single)
                {
                    (sources ??= new HashSet<string>(StringComparer.Ordinal)).Add(single);
                }

                if (MemoryInputReader.ReadTags(filters, "tags", loc, errors) is { } tagList)
                {
                    tags = new HashSet<string>(tagList, StringComparer.Ordinal);
                }

                since = ReadTime(filters, "since", loc, errors);
                until = ReadTime(filters, "until", loc, errors);
                metadata = ReadFilterObject(filters, "metadata", loc, errors);
            }
        }

        metadata = ReadFilterObject(root, "metadata_filter", ["body"], errors) ?? metadata;
        return errors.Count == 0 ? new MemoryQuery(text!.Trim(), k, sources, tags, since, until, metadata) : null;
    }

    private static DateTimeOffset? ReadTime(JsonElement obj, string name, object[] loc, List<FieldError> errors)
    {
        var text = MemoryInputReader.OptionalString(obj, name, loc, errors);
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        errors.Add(new FieldError([.. loc, name], "Input should be a valid datetime", "datetime_parsing"));
        return null;
    }

    private static JsonElement? ReadFilterObject(JsonElement obj, string name, object[] loc, List<FieldError> errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError([.. loc, name], "Input should be a valid dictionary", "dict_type"));
            return null;
        }

        return value.Clone();
    }
}
