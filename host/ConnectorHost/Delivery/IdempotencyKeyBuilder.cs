using System.Security.Cryptography;
using System.Text;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Delivery;

/// <summary>
/// The process-wide <see cref="IIdempotencyKeyBuilder"/>: <c>ch1:{connector}:{nativeId}:{version}</c> when that is
/// short printable ASCII, else <c>ch1:{connector}:#{digest}</c>; batches <c>ch1b:{connector}:{digest}</c>.
/// </summary>
/// <remarks>
/// Parts are escaped (<c>%</c> and <c>:</c> percent-encoded) so that no two (id, version) pairs can produce one key.
/// The digest is SHA-256 of the unescaped parts, base64url without padding.
/// </remarks>
internal sealed class IdempotencyKeyBuilder : IIdempotencyKeyBuilder
{
    public const int MaxLength = 128;

    // Connector names are at most 64 characters (validated in configuration); keep room for the digest.
    private const int MaxConnectorPart = 64;

    public string ForItem(string connectorName, string nativeId, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectorName);
        ArgumentNullException.ThrowIfNull(nativeId);
        ArgumentNullException.ThrowIfNull(version);

        var connector = ConnectorPart(connectorName);
        var plain = $"ch1:{connector}:{Escape(nativeId)}:{Escape(version)}";
        if (plain.Length <= MaxLength && IsPrintableAscii(plain))
        {
            return plain;
        }

        return $"ch1:{connector}:#{Digest(connectorName, "\0", nativeId, "\0", version)}";
    }

    public string ForBatch(string connectorName, IEnumerable<string> itemKeys)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectorName);
        ArgumentNullException.ThrowIfNull(itemKeys);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var key in itemKeys)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(key));
            hash.AppendData("\n"u8);
        }

        return $"ch1b:{ConnectorPart(connectorName)}:{Base64Url(hash.GetHashAndReset().AsSpan(0, 24))}";
    }

    private static string ConnectorPart(string connectorName)
    {
        var escaped = Escape(connectorName);
        return escaped.Length <= MaxConnectorPart && IsPrintableAscii(escaped)
            ? escaped
            : "#" + Digest(connectorName)[..16];
    }

    private static string Escape(string part) =>
        part.Contains('%', StringComparison.Ordinal) || part.Contains(':', StringComparison.Ordinal)
            ? part.Replace("%", "%25", StringComparison.Ordinal).Replace(":", "%3A", StringComparison.Ordinal)
            : part;

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < (char)0x21 or > (char)0x7E)
            {
                return false;
            }
        }

        return true;
    }

    private static string Digest(params string[] parts)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(parts));
        return Base64Url(SHA256.HashData(bytes));
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
