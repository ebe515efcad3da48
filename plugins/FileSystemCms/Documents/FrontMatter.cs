using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ConnectorHost.Plugins.FileSystemCms.Documents;

/// <summary>
/// The YAML front matter of a content file (the block between a first line <c>---</c> and the next <c>---</c> or
/// <c>...</c> line), reduced to what a connector can use: scalar values and lists of strings. Nested mappings are kept
/// out, since MemorySync metadata is flat by convention.
/// </summary>
internal sealed class FrontMatter
{
    public static readonly FrontMatter Empty = new([]);

    private FrontMatter(Dictionary<string, object?> fields)
    {
        Fields = fields;
    }

    /// <summary>
    /// The fields in document order: strings, booleans, <see cref="long"/>, <see langword="null"/>,
    /// or lists of strings. Fields holding anything else are left out.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Fields { get; }

    /// <summary>Splits a file's text into its front matter and body.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="frontMatter">The front matter, <see cref="Empty"/> when the file has none.</param>
    /// <param name="body">The rest of the file.</param>
    /// <param name="error">Why the front matter could not be read, naming the line in the file.</param>
    /// <returns><see langword="false"/> when the file has front matter that is not valid YAML mapping.</returns>
    public static bool TryParse(string text, out FrontMatter frontMatter, out string body, [NotNullWhen(false)] out string? error)
    {
        frontMatter = Empty;
        body = text;
        error = null;
        if (!TrySplit(text, out var yaml, out body))
        {
            body = text;
            return true;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException exception)
        {
            // +1: the opening "---" line is not part of the YAML the parser saw.
            error = string.Create(
                CultureInfo.InvariantCulture,
                $"invalid YAML front matter at line {exception.Start.Line + 1}: {FirstLine(exception.Message)}");
            return false;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some malformed input.
            error = "invalid YAML front matter: the YAML parser could not read it";
            return false;
        }

        if (stream.Documents.Count == 0)
        {
            return true;
        }

        switch (stream.Documents[0].RootNode)
        {
            case YamlMappingNode mapping:
                frontMatter = new FrontMatter(Read(mapping));
                return true;
            case YamlScalarNode { Value: null or "" }:
                return true;
            default:
                error = "invalid YAML front matter: it is not a mapping of keys to values";
                return false;
        }
    }

    /// <summary>A field as text, if it is a scalar.</summary>
    public string? GetString(string key) => Fields.TryGetValue(key, out var value) ? ScalarText(value) : null;

    /// <summary>A field as a list of strings: a list, or a scalar holding comma-separated values.</summary>
    public IEnumerable<string> GetStrings(string key)
    {
        if (!Fields.TryGetValue(key, out var value))
        {
            return [];
        }

        return value is IReadOnlyList<string> list
            ? list
            : (ScalarText(value) ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// How the front matter marks the file as a draft: <c>draft: true</c> (Hugo, Decap CMS) or <c>published: false</c>
    /// (Jekyll); <see langword="null"/> when it does not. Quoted values and yes/no count too, so that a draft is never
    /// delivered because of a spelling.
    /// </summary>
    public string? DraftMarker =>
        IsOneOf(GetString("draft"), "true", "yes") ? "draft: true"
        : IsOneOf(GetString("published"), "false", "no") ? "published: false"
        : null;

    private static bool IsOneOf(string? value, string first, string second) =>
        string.Equals(value, first, StringComparison.OrdinalIgnoreCase) || string.Equals(value, second, StringComparison.OrdinalIgnoreCase);

    private static string? ScalarText(object? value) => value switch
    {
        null or IReadOnlyList<string> => null,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static bool TrySplit(string text, out string yaml, out string body)
    {
        yaml = string.Empty;
        body = text;
        var firstLineEnd = text.IndexOf('\n', StringComparison.Ordinal);
        if (firstLineEnd < 0 || !IsFence(text.AsSpan(0, firstLineEnd), "---"))
        {
            return false;
        }

        var lineStart = firstLineEnd + 1;
        while (lineStart <= text.Length)
        {
            var lineEnd = text.IndexOf('\n', lineStart);
            var line = text.AsSpan(lineStart, (lineEnd < 0 ? text.Length : lineEnd) - lineStart);
            if (IsFence(line, "---") || IsFence(line, "..."))
            {
                yaml = text[(firstLineEnd + 1)..lineStart];
                body = lineEnd < 0 ? string.Empty : text[(lineEnd + 1)..];
                return true;
            }

            if (lineEnd < 0)
            {
                break;
            }

            lineStart = lineEnd + 1;
        }

        // No closing fence: the "---" is a thematic break of the Markdown body, not front matter.
        return false;
    }

    private static bool IsFence(ReadOnlySpan<char> line, string fence) => line.TrimEnd().SequenceEqual(fence);

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }

    private static Dictionary<string, object?> Read(YamlMappingNode mapping)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
            {
                continue;
            }

            switch (valueNode)
            {
                case YamlScalarNode scalar:
                    fields[key] = Scalar(scalar);
                    break;
                case YamlSequenceNode sequence when sequence.Children.All(item => item is YamlScalarNode):
                    fields[key] = sequence.Children
                        .Select(item => ((YamlScalarNode)item).Value)
                        .Where(item => !string.IsNullOrWhiteSpace(item))
                        .Select(item => item!.Trim())
                        .ToList();
                    break;
            }
        }

        return fields;
    }

    // YAML 1.2 core schema for plain (unquoted) scalars, except floats: they stay as written, so that "version: 1.10"
    // does not become 1.1. Quoted scalars and explicit !!str stay strings.
    private static object? Scalar(YamlScalarNode node)
    {
        var value = node.Value;
        if (node.Style != ScalarStyle.Plain || value is null
            || (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && node.Tag.Value == "tag:yaml.org,2002:str"))
        {
            return value;
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return value;
    }
}
