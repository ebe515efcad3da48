using System.Text;
using System.Text.RegularExpressions;

namespace ConnectorHost.Configuration;

/// <summary>
/// Resolves the secret references in configuration strings: <c>${env:NAME}</c> (an environment variable) and
/// <c>${file:PATH}</c> (a file's content without its trailing newline; relative to the configuration file's folder),
/// whole or embedded in a longer string. <c>$${</c> stands for a literal <c>${</c>. Every resolved value is registered
/// in the <see cref="SecretRegistry"/>. Messages name the reference, never a value.
/// </summary>
internal sealed partial class SecretReferences
{
    public SecretReferences(string baseDirectory, SecretRegistry registry, ConfigurationDiagnostics diagnostics)
    {
        _baseDirectory = baseDirectory;
        _registry = registry;
        _diagnostics = diagnostics;
    }

    /// <summary>The string with its references resolved, or <see langword="null"/> when one could not be (reported).</summary>
    /// <param name="text">The string as written in the file.</param>
    /// <param name="path">Its JSON path, for messages.</param>
    /// <param name="hadReference">Whether the string held at least one reference.</param>
    public string? Resolve(string text, string path, out bool hadReference)
    {
        hadReference = false;
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var failed = false;
        var i = 0;
        while (i < text.Length)
        {
            if (string.CompareOrdinal(text, i, "$${", 0, 3) == 0)
            {
                result.Append("${");
                i += 3;
                continue;
            }

            if (string.CompareOrdinal(text, i, "${", 0, 2) != 0)
            {
                result.Append(text[i]);
                i++;
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                _diagnostics.Error(path, "has a \"${\" without a closing \"}\": write ${env:NAME} or ${file:PATH}, or \"$${\" for a literal \"${\"");
                return null;
            }

            hadReference = true;
            var reference = text[i..(close + 1)];
            var value = ResolveOne(text[(i + 2)..close], reference, path);
            if (value is null)
            {
                failed = true;
            }
            else
            {
                result.Append(value);
            }

            i = close + 1;
        }

        return failed ? null : result.ToString();
    }

    private string? ResolveOne(string body, string reference, string path)
    {
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? body : body[..colon];
        var argument = colon < 0 ? "" : body[(colon + 1)..];
        switch (scheme)
        {
            case "env":
                return ResolveEnvironment(argument, reference, path);
            case "file":
                return ResolveFile(argument, reference, path);
            default:
                _diagnostics.Error(path, $"{reference} is not a known reference: use ${{env:NAME}} or ${{file:PATH}}, or write \"$${{\" for a literal \"${{\"");
                return null;
        }
    }

    private string? ResolveEnvironment(string name, string reference, string path)
    {
        if (!EnvironmentName().IsMatch(name))
        {
            _diagnostics.Error(path, $"{reference}: \"{name}\" is not an environment variable name (letters, digits and '_', not starting with a digit)");
            return null;
        }

        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(value))
        {
            var state = value is null ? "is not set" : "is empty";
            _diagnostics.Error(path, $"{reference}: the environment variable {name} {state}; set it in the service's environment (e.g. an EnvironmentFile in the systemd unit) or use ${{file:PATH}}");
            return null;
        }

        _registry.Add(value);
        return value;
    }

    private string? ResolveFile(string relativePath, string reference, string path)
    {
        if (string.IsNullOrWhiteSpace(relativePath))
        {
            _diagnostics.Error(path, $"{reference} names no file: write ${{file:PATH}}, e.g. ${{file:secrets/asana.token}}");
            return null;
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(relativePath, _baseDirectory);
        }
        catch (ArgumentException)
        {
            _diagnostics.Error(path, $"{reference}: \"{relativePath}\" is not a valid file path");
            return null;
        }

        if (!_files.TryGetValue(fullPath, out var read))
        {
            read = ReadSecretFile(fullPath, reference, path);
            _files[fullPath] = read;
        }

        if (read.Problem is not null)
        {
            _diagnostics.Error(path, $"{reference}: the file {fullPath} {read.Problem}");
        }

        return read.Value;
    }

    private (string? Value, string? Problem) ReadSecretFile(string fullPath, string reference, string path)
    {
        string content;
        try
        {
            content = File.ReadAllText(fullPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var why = exception switch
            {
                FileNotFoundException or DirectoryNotFoundException => "does not exist",
                UnauthorizedAccessException => "cannot be read by the service's user (permission denied)",
                _ => "cannot be read (" + exception.GetType().Name + ")",
            };
            return (null, $"{why}; create it holding only the secret (chmod 600), or correct the path (relative paths start at the configuration file's folder)");
        }

        // Editors and "echo x > file" end files with a newline that is not part of the secret.
        var value = content.TrimEnd('\r', '\n');
        if (value.Length == 0)
        {
            return (null, "is empty; write the secret into it");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(fullPath);
            if ((mode & UnixFileMode.OtherRead) != 0)
            {
                _diagnostics.Warning(path, $"{reference}: the secret file {fullPath} is readable by others (mode {FileModes.Octal(mode)}); restrict it with \"chmod 600 {fullPath}\"");
            }
        }

        _registry.Add(value);
        return (value, null);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentName();

    private readonly string _baseDirectory;
    private readonly SecretRegistry _registry;
    private readonly ConfigurationDiagnostics _diagnostics;
    private readonly Dictionary<string, (string? Value, string? Problem)> _files = new(StringComparer.Ordinal);
}

/// <summary>Unix permission helpers for the secret warnings.</summary>
internal static class FileModes
{
    /// <summary>Permissions as chmod writes them: <c>644</c>.</summary>
    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8);

    /// <summary>Whether group or others may read a file with these permissions.</summary>
    public static bool ReadableByGroupOrOthers(UnixFileMode mode) =>
        (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
}
