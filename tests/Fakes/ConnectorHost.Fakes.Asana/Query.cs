using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ConnectorHost.Fakes.Asana;

/// <summary>Reads query parameters the way Asana validates them (400 with "name: reason" on bad input).</summary>
internal sealed class Query(IQueryCollection query)
{
    public string? String(string name)
    {
        var value = query[name].ToString();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public bool? Bool(string name)
    {
        var value = String(name);
        return value switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw FakeAsanaError.BadRequest($"{name}: Not a boolean: {value}"),
        };
    }

    public DateTimeOffset? Date(string name)
    {
        var value = String(name);
        if (value is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw FakeAsanaError.BadRequest($"{name}: Not a valid date-time: {value}");
    }

    /// <summary><c>completed_since</c>: a date-time or the keyword <c>now</c>.</summary>
    public DateTimeOffset? CompletedSince(TimeProvider clock) =>
        String("completed_since") == "now" ? clock.GetUtcNow() : Date("completed_since");

    public int? Limit()
    {
        var value = String("limit");
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 100
            ? limit
            : throw FakeAsanaError.BadRequest("limit: The value must be between 1 and 100.");
    }

    /// <summary><c>opt_fields</c>, comma-separated or repeated; <see langword="null"/> when not sent.</summary>
    public IReadOnlyList<string>? OptFields()
    {
        var values = query["opt_fields"];
        if (values.Count == 0)
        {
            return null;
        }

        return
        [
            .. values.SelectMany(v => (v ?? string.Empty).Split(
                ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
        ];
    }
}
