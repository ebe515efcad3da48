using System.Text.RegularExpressions;

namespace ConnectorHost.Configuration;

/// <summary>Builds the JSON paths that configuration messages name: <c>$.connectors[1].settings.spaces[0]</c>.</summary>
internal static partial class JsonPath
{
    /// <summary>The path of the document itself.</summary>
    public const string Root = "$";

    /// <summary>The path of a member: <c>$.host.logLevel</c>, or <c>$.plugins['My.Plugin']</c> for unusual names.</summary>
    public static string Property(string parent, string name) =>
        PlainName().IsMatch(name) ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    /// <summary>The path of an array element: <c>$.connectors[2]</c>.</summary>
    public static string Index(string parent, int index) => $"{parent}[{index}]";

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_$]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainName();
}
