using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Confluence.Sync;

/// <summary>
/// Where the next run resumes: the <c>lastmodified</c> (UTC, from Confluence's clock) up to which every change was
/// yielded, the settings it was read with, and when the last reconciliation against the full listing ran.
/// </summary>
/// <remarks>
/// Nothing else is needed to neither miss nor repeat: the next query starts at the cursor's minute minus the overlap
/// window (CQL dates have minute precision and <c>&gt;=</c> is inclusive), and what it returns again is recognised
/// through the host's ledger (<see cref="IKnownItems"/>) and not yielded again.
/// </remarks>
/// <param name="Since">Every change up to this instant was yielded; <see langword="null"/> before the first full read.</param>
/// <param name="Scope">A digest of the settings that decide what is read (<see cref="ScopeOf"/>).</param>
/// <param name="ReconciledAt">When the last reconciliation started, by Confluence's clock.</param>
internal sealed record SyncCursor(
    [property: JsonPropertyName("since")] DateTimeOffset? Since,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("reconciledAt")] DateTimeOffset? ReconciledAt)
{
    private const int CurrentFormat = 1;

    [JsonPropertyName("v")]
    public int Format { get; init; } = CurrentFormat;

    public string Serialize() => JsonSerializer.Serialize(this);

    /// <summary>Reads a cursor this connector wrote.</summary>
    /// <exception cref="ConnectorException">The value is not such a cursor.</exception>
    public static SyncCursor? Parse(string? value, string connectorName)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        SyncCursor? cursor;
        try
        {
            cursor = JsonSerializer.Deserialize<SyncCursor>(value);
        }
        catch (JsonException ex)
        {
            throw Unreadable(connectorName, ex);
        }

        if (cursor is null || cursor.Format != CurrentFormat || string.IsNullOrEmpty(cursor.Scope))
        {
            throw Unreadable(connectorName, null);
        }

        return cursor;
    }

    /// <summary>
    /// A digest of the settings that decide which items are read: spaces, content types, excluded labels and whether
    /// comments belong to the text. A cursor read with other settings is not resumed (a newly added space would
    /// otherwise never be read from its beginning).
    /// </summary>
    public static string ScopeOf(ConfluenceOptions options)
    {
        var text = string.Join(
            "|",
            string.Join(",", options.Spaces.Select(s => s.Trim()).Order(StringComparer.Ordinal)),
            string.Join(",", options.EffectiveContentTypes.Order(StringComparer.Ordinal)),
            string.Join(",", options.ExcludeLabels.Select(l => l.Trim().ToLowerInvariant()).Order(StringComparer.Ordinal)),
            options.IncludeComments ? "comments" : "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private static ConnectorException Unreadable(string connectorName, Exception? inner) =>
        new(
            ConnectorErrorKind.Configuration,
            $"The cursor of connector '{connectorName}' was not written by this version of the Confluence connector; " +
            $"reset it (connector-host cursor reset {connectorName}) to read everything again.",
            inner);
}
