using MemorySync.Emulator.Memories;

namespace MemorySync.Emulator.Tests.Memories;

public sealed class TextRulesTests
{
    [TestCase("Thanks, thank you!", true)]
    [TestCase("... ??? !!!", true)]
    [TestCase("hello hello hello", true)]
    [TestCase("Hello world, deploys are on Tuesdays", false)]
    [TestCase("Supercalifragilistic", false)]
    [TestCase("Die Bereitstellung erfolgt dienstags", false)]
    [TestCase("部署在星期二进行", false)]
    public void IsLowValue_FlagsOnlyFiller(string text, bool expected) => TextRules.IsLowValue(text).Should().Be(expected);

    [Test]
    public void Extract_ManyParagraphs_GivesThreeGroupsWithAllTheText()
    {
        var parts = TextRules.Extract("Paragraph one.\n\nParagraph two.\n\r\nParagraph three.\n\nParagraph four.\n\nParagraph five.");

        parts.Should().Equal("Paragraph one.", "Paragraph two.\n\nParagraph three.", "Paragraph four.\n\nParagraph five.");
    }

    [TestCase("One paragraph only, however long it is.")]
    [TestCase("Short.\n\nA second paragraph that is long enough.")]
    public void Extract_OneParagraphOrAShortGroup_KeepsTheTextWhole(string text) =>
        TextRules.Extract(text).Should().Equal(text);
}
