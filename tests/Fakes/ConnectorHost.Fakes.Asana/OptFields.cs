using System.Text.Json.Nodes;

namespace ConnectorHost.Fakes.Asana;

/// <summary>
/// Projects a full record onto the fields an <c>opt_fields</c> list names: <c>gid</c> always, a named object field
/// as a compact reference (<c>gid</c>, <c>resource_type</c>), dotted paths (<c>assignee.name</c>,
/// <c>memberships.section.name</c>) into nested objects and arrays. Unknown names are ignored.
/// </summary>
internal static class OptFields
{
    public static JsonObject Project(JsonObject source, IEnumerable<string> paths)
    {
        var result = new JsonObject();
        if (source.TryGetPropertyValue("gid", out var gid))
        {
            result["gid"] = gid?.DeepClone();
        }

        foreach (var group in paths.Select(p => p.Split('.', 2)).GroupBy(p => p[0], StringComparer.Ordinal))
        {
            if (!source.TryGetPropertyValue(group.Key, out var value))
            {
                continue;
            }

            var rest = group.Where(p => p.Length == 2).Select(p => p[1]).ToList();
            result[group.Key] = Shape(value, rest);
        }

        return result;
    }

    private static JsonNode? Shape(JsonNode? value, List<string> rest) => value switch
    {
        JsonObject o when rest.Count > 0 => Project(o, rest),
        JsonObject o when o.ContainsKey("gid") =>
            new JsonObject { ["gid"] = o["gid"]?.DeepClone(), ["resource_type"] = o["resource_type"]?.DeepClone() },
        JsonArray a => new JsonArray([.. a.Select(e => Shape(e, rest))]),
        _ => value?.DeepClone(),
    };
}
