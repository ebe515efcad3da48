using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectorHost.Status;

/// <summary>The JSON of the control endpoint and of the CLI's --json output.</summary>
internal static class ControlJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
