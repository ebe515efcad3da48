using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace ConnectorHost.Plugins.FileSystemCms.Text;

/// <summary>
/// Turns a file's bytes into text: UTF-8 with or without a byte order mark, UTF-16 LE or BE with one. Anything else
/// (bytes that are not UTF-8, binary content) is refused with a reason that names the first offending byte, because
/// guessing a legacy code page would silently turn text into mojibake.
/// </summary>
internal static class TextDecoder
{
    private static readonly UnicodeEncoding s_utf16LittleEndian = new(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding s_utf16BigEndian = new(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    /// <summary>Decodes a file's bytes.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="text">The text, without a byte order mark.</param>
    /// <param name="failure">Why the bytes are not text, naming the first bad byte's offset in the file.</param>
    /// <returns><see langword="true"/> when the bytes are text.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text, [NotNullWhen(false)] out string? failure)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return TryDecodeUtf8(bytes[3..], 3, out text, out failure);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return TryDecodeUtf16(bytes[2..], s_utf16LittleEndian, "UTF-16 LE", out text, out failure);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return TryDecodeUtf16(bytes[2..], s_utf16BigEndian, "UTF-16 BE", out text, out failure);
        }

        return TryDecodeUtf8(bytes, 0, out text, out failure);
    }

    private static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, int offset, out string text, out string? failure)
    {
        text = string.Empty;
        var nul = bytes.IndexOf((byte)0);
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(bytes.Length, 1));
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
            if (nul >= 0 && (status == OperationStatus.Done || nul <= read))
            {
                failure = Binary(offset + nul);
                return false;
            }

            if (status != OperationStatus.Done)
            {
                // NeedMoreData: the file ends inside a multi-byte sequence.
                failure = string.Create(
                    CultureInfo.InvariantCulture,
                    $"not valid UTF-8: byte 0x{bytes[read]:X2} at offset {offset + read} (save the file as UTF-8)");
                return false;
            }

            text = new string(chars, 0, written);
            failure = null;
            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static bool TryDecodeUtf16(ReadOnlySpan<byte> bytes, UnicodeEncoding encoding, string name, out string text, out string? failure)
    {
        text = string.Empty;
        if (bytes.Length % 2 != 0)
        {
            failure = string.Create(
                CultureInfo.InvariantCulture,
                $"not valid {name}: the file ends in half a character at offset {bytes.Length + 1}");
            return false;
        }

        try
        {
            text = encoding.GetString(bytes);
        }
        catch (DecoderFallbackException exception)
        {
            failure = string.Create(
                CultureInfo.InvariantCulture,
                $"not valid {name}: unpaired surrogate at offset {2 + Math.Max(exception.Index, 0)}");
            return false;
        }

        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            text = string.Empty;
            failure = Binary(2 + (nul * 2));
            return false;
        }

        failure = null;
        return true;
    }

    private static string Binary(int offset) =>
        string.Create(CultureInfo.InvariantCulture, $"binary content: NUL byte at offset {offset}");
}
