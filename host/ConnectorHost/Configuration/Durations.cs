using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ConnectorHost.Configuration;

/// <summary>
/// Durations as operators write them: <c>"00:00:30"</c>, <c>"1.12:00:00"</c> (d.hh:mm:ss), or the short forms
/// <c>"30s"</c>, <c>"5m"</c>, <c>"2h"</c>, <c>"1d"</c>.
/// </summary>
internal static partial class Durations
{
    /// <summary>How to write a duration, for error messages.</summary>
    public const string Help = "write \"hh:mm:ss\" or \"d.hh:mm:ss\" (e.g. \"00:00:30\", \"1.00:00:00\"), or a number with s, m, h or d (e.g. \"30s\", \"5m\", \"2h\", \"1d\")";

    /// <summary>Reads a duration; <see langword="false"/> when the text is neither form or out of range.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var shortForm = ShortForm().Match(text);
        if (shortForm.Success)
        {
            if (!long.TryParse(shortForm.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return false;
            }

            var unit = shortForm.Groups["unit"].ValueSpan[0] switch
            {
                's' => TimeSpan.TicksPerSecond,
                'm' => TimeSpan.TicksPerMinute,
                'h' => TimeSpan.TicksPerHour,
                _ => TimeSpan.TicksPerDay,
            };
            if (count > TimeSpan.MaxValue.Ticks / unit)
            {
                return false;
            }

            duration = TimeSpan.FromTicks(count * unit);
            return true;
        }

        // "c" is the invariant [d.]hh:mm:ss[.fffffff]; the pattern first, because "c" alone also accepts a bare "5" (days).
        return ClockForm().IsMatch(text)
            && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out duration);
    }

    [GeneratedRegex(@"^(?<n>[0-9]+)(?<unit>[smhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex ShortForm();

    [GeneratedRegex(@"^([0-9]+\.)?[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ClockForm();
}

/// <summary>Binds <see cref="TimeSpan"/> settings of plugins from either duration form (see <see cref="Durations"/>).</summary>
internal sealed class DurationJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && Durations.TryParse(reader.GetString()!, out var duration))
        {
            return duration;
        }

        throw new JsonException($"Not a duration: {Durations.Help}.");
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));
    }
}
