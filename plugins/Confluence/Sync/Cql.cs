using System.Globalization;

namespace ConnectorHost.Plugins.Confluence.Sync;

/// <summary>Builds the CQL queries of the connector, with every value quoted and escaped.</summary>
internal static class Cql
{
    /// <summary>The format of CQL date literals: minute precision, in the site's time zone.</summary>
    public const string DateFormat = "yyyy-MM-dd HH:mm";

    /// <summary>
    /// Items of the given types in the given spaces changed at or after <paramref name="sinceLiteral"/> (all when null), oldest first.
    /// </summary>
    public static string Changes(
        IEnumerable<string> types, IEnumerable<string> spaces, IEnumerable<string> excludeLabels, string? sinceLiteral)
    {
        var clauses = Scope(types, spaces, excludeLabels);
        if (sinceLiteral is not null)
        {
            clauses.Add($"lastmodified >= {Quote(sinceLiteral)}");
        }

        return string.Join(" AND ", clauses) + " ORDER BY lastmodified ASC";
    }

    /// <summary>The items with the given ids, if they are in scope.</summary>
    public static string ByIds(
        IEnumerable<string> types, IEnumerable<string> spaces, IEnumerable<string> excludeLabels, IEnumerable<string> ids)
    {
        var clauses = Scope(types, spaces, excludeLabels);
        clauses.Add($"id IN ({string.Join(", ", ids.Select(Quote))})");
        return string.Join(" AND ", clauses);
    }

    /// <summary>Every item in scope (or, with <paramref name="withLabels"/>, every item carrying one of those labels).</summary>
    public static string Listing(
        IEnumerable<string> types, IEnumerable<string> spaces, IEnumerable<string> excludeLabels, IEnumerable<string>? withLabels = null)
    {
        var clauses = Scope(types, spaces, excludeLabels);
        if (withLabels is not null)
        {
            clauses.Add($"label IN ({string.Join(", ", withLabels.Select(Quote))})");
        }

        return string.Join(" AND ", clauses) + " ORDER BY id ASC";
    }

    /// <summary>
    /// The CQL literal for an instant: the site's local time, truncated to the minute. An ambiguous local time (the
    /// hour repeated when clocks go back) is moved one hour earlier, so that whichever reading Confluence takes, the
    /// query starts no later than the instant.
    /// </summary>
    public static string Literal(DateTimeOffset instant, TimeZoneInfo siteTimeZone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, siteTimeZone);
        if (siteTimeZone.IsAmbiguousTime(local))
        {
            local = TimeZoneInfo.ConvertTime(instant.AddHours(-1), siteTimeZone);
        }

        return local.ToString(DateFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>A CQL string literal: double quotes, with backslashes and double quotes escaped.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static List<string> Scope(IEnumerable<string> types, IEnumerable<string> spaces, IEnumerable<string> excludeLabels)
    {
        var typeList = types.ToList();
        var clauses = new List<string>
        {
            typeList.Count == 1 ? $"type = {typeList[0]}" : $"type IN ({string.Join(", ", typeList)})",
            $"space IN ({string.Join(", ", spaces.Select(Quote))})",
        };
        var labels = excludeLabels.ToList();
        if (labels.Count > 0)
        {
            clauses.Add($"label NOT IN ({string.Join(", ", labels.Select(Quote))})");
        }

        return clauses;
    }
}
