using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ConnectorHost.Configuration;

/// <summary>
/// Reads <c>plugins.json</c>. Two stages, because connector settings bind to types that plugins define:
/// <see cref="Load"/> checks everything the host itself understands, then, once the plugins are loaded,
/// <see cref="BindConnectorSettings"/> binds and validates each enabled connector's settings. Each stage reports every
/// error it finds in one <see cref="ConfigurationException"/>. Nothing here writes anything anywhere.
/// </summary>
internal static partial class ConfigurationLoader
{
    /// <summary>Reads and checks a configuration file.</summary>
    /// <param name="path">The file, as the operator named it; relative paths start at the current directory.</param>
    /// <returns>The checked configuration, with secrets resolved; connector settings are not bound yet.</returns>
    /// <exception cref="ConfigurationException">The file is missing, unreadable or wrong; the message lists every error.</exception>
    public static HostConfiguration Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var text = ReadFile(path, fullPath);
        using var document = Parse(path, text);
        var diagnostics = new ConfigurationDiagnostics();
        var reader = new ConfigurationFileReader(path, fullPath, diagnostics);
        var configuration = reader.Read(document.RootElement);
        diagnostics.ThrowIfErrors(path);
        foreach (var warning in diagnostics.Warnings)
        {
            configuration!.AddWarning(warning);
        }

        return configuration!;
    }

    /// <summary>The options every configuration document is parsed with: comments and trailing commas allowed.</summary>
    internal static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static string ReadFile(string path, string fullPath)
    {
        try
        {
            return File.ReadAllText(fullPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var why = exception switch
            {
                FileNotFoundException => "does not exist; create it (see plugins.schema.json) or pass the right file with --config",
                DirectoryNotFoundException => "does not exist (nor does its folder); pass the right file with --config",
                UnauthorizedAccessException => "cannot be read by the service's user (permission denied); give that user read access",
                _ => $"cannot be read: {exception.Message}",
            };
            throw new ConfigurationException(path, [new ConfigurationError(JsonPath.Root, $"the file {fullPath} {why}")]);
        }
    }

    private static JsonDocument Parse(string path, string text)
    {
        try
        {
            return JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException exception)
        {
            if (!HasAnyToken(text))
            {
                throw new ConfigurationException(path, [new ConfigurationError(JsonPath.Root,
                    "the file is empty; it must hold one JSON object, e.g. { \"memorySync\": { \"apiKey\": \"${env:MEMORYSYNC_API_KEY}\" }, \"connectors\": [] } (see plugins.schema.json)")]);
            }

            var line = (int)(exception.LineNumber ?? 0);
            var column = ColumnOf(text, line, (int)(exception.BytePositionInLine ?? 0));
            var message = ReaderPosition().Replace(exception.Message, "").Trim();
            throw new ConfigurationException(path, [new ConfigurationError(JsonPath.Root,
                $"not valid JSON: {message} (comments and trailing commas are allowed; names and strings need double quotes)")
            {
                Line = line + 1,
                Column = column,
            }]);
        }
    }

    private static bool HasAnyToken(string text)
    {
        try
        {
            // Not the final block: with nothing but whitespace and comments, Read asks for more instead of throwing.
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), isFinalBlock: false, new JsonReaderState(new JsonReaderOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            }));
            return reader.Read();
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>The 1-based column (in characters) of a 0-based UTF-8 byte offset in a 0-based line.</summary>
    private static int ColumnOf(string text, int line, int bytePosition)
    {
        var lines = text.Split('\n');
        if (line >= lines.Length)
        {
            return bytePosition + 1;
        }

        var bytes = 0;
        var column = 0;
        foreach (var rune in lines[line].EnumerateRunes())
        {
            if (bytes >= bytePosition)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            column += rune.Utf16SequenceLength;
        }

        return column + 1;
    }

    [GeneratedRegex(@"\s*(Path: \S* \| )?LineNumber: \d+ \| BytePositionInLine: \d+\.\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ReaderPosition();
}
