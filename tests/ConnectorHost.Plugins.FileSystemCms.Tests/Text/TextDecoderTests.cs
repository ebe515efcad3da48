using System.Text;
using ConnectorHost.Plugins.FileSystemCms.Text;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Text;

public sealed class TextDecoderTests
{
    private const string Sample = "Café — naïve 日本 🙂";

    [Test]
    public void TryDecode_Utf8WithoutBom_ReturnsTheText()
    {
        Decode(Encoding.UTF8.GetBytes(Sample)).Should().Be(Sample);
    }

    [Test]
    public void TryDecode_Utf8WithBom_ReturnsTheTextWithoutTheBom()
    {
        Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Sample)]).Should().Be(Sample);
    }

    [Test]
    public void TryDecode_Utf16LittleEndianWithBom_ReturnsTheText()
    {
        Decode([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Sample)]).Should().Be(Sample);
    }

    [Test]
    public void TryDecode_Utf16BigEndianWithBom_ReturnsTheText()
    {
        Decode([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(Sample)]).Should().Be(Sample);
    }

    [Test]
    public void TryDecode_Latin1Bytes_FailsNamingTheFirstInvalidByteAndOffset()
    {
        var bytes = Encoding.Latin1.GetBytes("Caf\u00e9 au lait");

        TextDecoder.TryDecode(bytes, out _, out var failure).Should().BeFalse();

        failure.Should().Be("not valid UTF-8: byte 0xE9 at offset 3 (save the file as UTF-8)");
    }

    [Test]
    public void TryDecode_InvalidUtf8AfterBom_CountsTheBomInTheOffset()
    {
        TextDecoder.TryDecode([0xEF, 0xBB, 0xBF, (byte)'a', 0xFF], out _, out var failure).Should().BeFalse();

        failure.Should().Contain("0xFF at offset 4");
    }

    [Test]
    public void TryDecode_TruncatedMultiByteSequence_FailsAtItsStart()
    {
        TextDecoder.TryDecode([(byte)'a', (byte)'b', 0xE6, 0x97], out _, out var failure).Should().BeFalse();

        failure.Should().Contain("offset 2");
    }

    [Test]
    public void TryDecode_NulByte_IsBinaryContentAtItsOffset()
    {
        TextDecoder.TryDecode([(byte)'P', (byte)'K', 3, 4, 0, 0, 0xC3], out _, out var failure).Should().BeFalse();

        failure.Should().Be("binary content: NUL byte at offset 4");
    }

    [Test]
    public void TryDecode_NulCharacterInUtf16_IsBinaryContentAtItsByteOffset()
    {
        TextDecoder.TryDecode([0xFF, 0xFE, (byte)'a', 0, 0, 0], out _, out var failure).Should().BeFalse();

        failure.Should().Be("binary content: NUL byte at offset 4");
    }

    [Test]
    public void TryDecode_Utf16WithOddLength_Fails()
    {
        TextDecoder.TryDecode([0xFF, 0xFE, (byte)'a', 0, (byte)'b'], out _, out var failure).Should().BeFalse();

        failure.Should().StartWith("not valid UTF-16 LE");
    }

    [Test]
    public void TryDecode_Utf16WithUnpairedSurrogate_Fails()
    {
        TextDecoder.TryDecode([0xFE, 0xFF, 0xD8, 0x00, 0x00, (byte)'a'], out _, out var failure).Should().BeFalse();

        failure.Should().StartWith("not valid UTF-16 BE: unpaired surrogate");
    }

    private static string Decode(byte[] bytes)
    {
        TextDecoder.TryDecode(bytes, out var text, out var failure).Should().BeTrue(failure);
        return text;
    }
}
