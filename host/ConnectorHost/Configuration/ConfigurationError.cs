namespace ConnectorHost.Configuration;

/// <summary>One thing wrong in a configuration file, where it is and how to fix it.</summary>
/// <param name="JsonPath">Where: <c>$.connectors[1].schedule</c>; <c>$</c> for the file as a whole.</param>
/// <param name="Message">What is wrong and how to fix it, for a person who edits the file by hand.</param>
internal sealed record ConfigurationError(string JsonPath, string Message)
{
    /// <summary>The 1-based line of a syntax error, when the file could not be read as JSON.</summary>
    public int? Line { get; init; }

    /// <summary>The 1-based column of a syntax error, when the file could not be read as JSON.</summary>
    public int? Column { get; init; }

    /// <summary>The error as one line: <c>$.path: message</c>, or <c>line 3, column 7: message</c>.</summary>
    public override string ToString() =>
        Line is { } line ? $"line {line}, column {Column ?? 1}: {Message}" : $"{JsonPath}: {Message}";
}

/// <summary>Something in a configuration file that works but deserves attention (a secret held inline, say).</summary>
/// <param name="JsonPath">Where: <c>$.memorySync.apiKey</c>.</param>
/// <param name="Message">What and what to do about it.</param>
internal sealed record ConfigurationWarning(string JsonPath, string Message)
{
    /// <summary>The warning as one line: <c>$.path: message</c>.</summary>
    public override string ToString() => $"{JsonPath}: {Message}";
}

/// <summary>
/// The configuration file is wrong. <see cref="Exception.Message"/> is what the CLI prints before it exits with code 2:
/// one line per error, each naming the file, the JSON path and what to do.
/// </summary>
internal sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file as the operator named it (e.g. <c>plugins.json</c>).</param>
    /// <param name="errors">Every error found, at least one.</param>
    public ConfigurationException(string filePath, IReadOnlyList<ConfigurationError> errors)
        : base(Format(filePath, errors))
    {
        FilePath = filePath;
        Errors = errors;
    }

    /// <summary>The file as the operator named it.</summary>
    public string FilePath { get; }

    /// <summary>Every error found, in file order as far as the loader could tell.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string Format(string filePath, IReadOnlyList<ConfigurationError> errors)
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        return string.Join('\n', errors.Select(error => $"{filePath}: {error}"));
    }
}
