using System.Text.Json;

namespace ConnectorHost.TestPlugins.ScriptedSource;

/// <summary>Turns script metadata into the value types <c>SourceItem.Metadata</c> allows.</summary>
internal static class JsonValues
{
    public static object? ToClr(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            value.EnumerateArray().Select(e => e.GetString()!).ToList(),
        JsonValueKind.Array => value.EnumerateArray().Select(ToClr).ToList(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(
            p => p.Name, p => ToClr(p.Value), StringComparer.Ordinal),
        _ => throw new InvalidDataException($"Unexpected JSON value kind {value.ValueKind}."),
    };
}
