using System.Buffers;
using System.Text.Json;

namespace ConnectorHost.Configuration;

/// <summary>
/// Every secret value the configuration holds: resolved <c>${env:...}</c> and <c>${file:...}</c> references, the
/// MemorySync API key and the values of settings marked <c>[Secret]</c>. Logging and status output pass each line
/// through <see cref="Redact"/>. Thread-safe: secrets are added at start-up while other threads may already log.
/// </summary>
internal sealed class SecretRegistry
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>
    /// Values shorter than this are not registered: masking every "no", "42" or "a" in log lines would garble them
    /// and protect nothing (a secret that short can be guessed anyway).
    /// </summary>
    public const int MinimumLength = 4;

    /// <summary>How many distinct values (including their escaped forms) are registered.</summary>
    public int Count => Volatile.Read(ref _state).Values.Length;

    /// <summary>
    /// Registers a secret. Its JSON-escaped forms (System.Text.Json's, and the plain backslash escapes other writers
    /// use) and its URL-escaped form are registered too, since a value often reaches a log inside a serialized body or
    /// a query string rather than as written.
    /// </summary>
    public void Add(string? value)
    {
        if (value is null || value.Length < MinimumLength)
        {
            return;
        }

        lock (_gate)
        {
            var values = new HashSet<string>(_state.Values, StringComparer.Ordinal)
            {
                value,
                JsonEncodedText.Encode(value).Value,
                value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal),
                Uri.EscapeDataString(value),
            };
            if (values.Count == _state.Values.Length)
            {
                return;
            }

            // Longest first, so that a secret containing another is masked whole rather than around the shorter one.
            var ordered = values.OrderByDescending(v => v.Length).ThenBy(v => v, StringComparer.Ordinal).ToArray();
            Volatile.Write(ref _state, new State(ordered, SearchValues.Create(ordered, StringComparison.Ordinal)));
        }
    }

    /// <summary>Whether <paramref name="value"/> is registered (as written).</summary>
    public bool Contains(string value) => Array.IndexOf(Volatile.Read(ref _state).Values, value) >= 0;

    /// <summary>Replaces every registered secret in <paramref name="text"/> with <see cref="Mask"/>.</summary>
    /// <returns>The text, or the same instance when it holds no secret.</returns>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var state = Volatile.Read(ref _state);
        var span = text.AsSpan();
        var first = span.IndexOfAny(state.Search);
        if (first < 0)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        while (first >= 0)
        {
            builder.Append(span[..first]).Append(Mask);
            span = span[(first + LengthAt(state.Values, span[first..]))..];
            first = span.IndexOfAny(state.Search);
        }

        return builder.Append(span).ToString();
    }

    private static int LengthAt(string[] longestFirst, ReadOnlySpan<char> text)
    {
        foreach (var value in longestFirst)
        {
            if (text.StartsWith(value, StringComparison.Ordinal))
            {
                return value.Length;
            }
        }

        return 1;
    }

    private sealed record State(string[] Values, SearchValues<string> Search);

    private readonly Lock _gate = new();
    private State _state = new([], SearchValues.Create([], StringComparison.Ordinal));
}
