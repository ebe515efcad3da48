using System.Globalization;
using Markdig;
using Markdig.Extensions.Footnotes;
using Markdig.Extensions.Tables;
using Markdig.Extensions.TaskLists;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConnectorHost.Plugins.FileSystemCms.Text;

/// <summary>
/// Converts Markdown (without its front matter) to plain text by walking Markdig's syntax tree: headings on their own
/// lines, lists with <c>"- "</c> and <c>"1. "</c>, code blocks verbatim, inline code kept, links as their text, images
/// as their alt text, table rows as <c>"a | b"</c>, HTML stripped to its text.
/// </summary>
internal sealed class MarkdownToText
{
    private static readonly MarkdownPipeline s_pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseAutoLinks()
        .UseTaskLists()
        .UseEmphasisExtras()
        .UseFootnotes()
        .UseDefinitionLists()
        .Build();

    private readonly HtmlToText _html;

    public MarkdownToText(HtmlToText html)
    {
        _html = html;
    }

    /// <summary>Converts a Markdown document.</summary>
    /// <param name="markdown">The Markdown text.</param>
    /// <returns>The plain text and the text of the document's first heading, if it has one.</returns>
    public (string Text, string? FirstHeading) Convert(string markdown)
    {
        var document = Markdown.Parse(markdown, s_pipeline);
        var writer = new Writer(_html);
        writer.WriteBlocks(document);
        var firstHeading = document.Descendants<HeadingBlock>().FirstOrDefault() is { } heading
            ? InlineText(heading.Inline)
            : null;
        return (writer.ToString(), string.IsNullOrEmpty(firstHeading) ? null : firstHeading);
    }

    private static string InlineText(ContainerInline? inline)
    {
        var builder = new PlainTextBuilder();
        new Writer(html: null).WriteInlines(inline, builder);
        return builder.ToString();
    }

    private sealed class Writer
    {
        private readonly PlainTextBuilder _text = new();
        private readonly HtmlToText? _html;

        // Inline HTML comes as separate opening and closing tags around literal text; while inside an element whose
        // content is not text (script, style...), the literals are dropped too.
        private string? _droppedInlineElement;

        public Writer(HtmlToText? html)
        {
            _html = html;
        }

        public override string ToString() => _text.ToString();

        public void WriteBlocks(ContainerBlock container)
        {
            foreach (var block in container)
            {
                WriteBlock(block);
            }
        }

        public void WriteInlines(ContainerInline? container, PlainTextBuilder text)
        {
            for (var inline = container?.FirstChild; inline is not null; inline = inline.NextSibling)
            {
                WriteInline(inline, text);
            }
        }

        private void WriteBlock(Block block)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    WriteInlines(heading.Inline, _text);
                    _text.EndBlock();
                    break;
                case CodeBlock code:
                    WriteCode(code);
                    break;
                case HtmlBlock html:
                    _html?.WriteFragment(LinesOf(html), _text);
                    _text.EndBlock();
                    break;
                case ListBlock list:
                    WriteList(list);
                    break;
                case Table table:
                    WriteTable(table);
                    break;
                case ThematicBreakBlock:
                case LinkReferenceDefinitionGroup:
                case LinkReferenceDefinition:
                    break;
                case LeafBlock leaf:
                    if (leaf.Inline is not null)
                    {
                        WriteInlines(leaf.Inline, _text);
                    }
                    else
                    {
                        _text.Append(LinesOf(leaf));
                    }

                    _text.EndBlock();
                    break;
                case ContainerBlock container:
                    WriteBlocks(container);
                    _text.EndBlock();
                    break;
            }
        }

        private void WriteCode(CodeBlock code)
        {
            _text.EndBlock();
            var lines = code.Lines;
            for (var i = 0; i < lines.Count; i++)
            {
                _text.AppendVerbatimLine(lines.Lines[i].Slice.ToString());
            }

            _text.EndBlock();
        }

        private void WriteList(ListBlock list)
        {
            _text.BeginList();
            var number = list.IsOrdered && int.TryParse(list.OrderedStart, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                ? start
                : 1;
            foreach (var item in list.OfType<ListItemBlock>())
            {
                _text.BeginItem(list.IsOrdered ? string.Create(CultureInfo.InvariantCulture, $"{number++}. ") : "- ");
                WriteBlocks(item);
                _text.EndItem();
            }

            _text.EndList();
        }

        private void WriteTable(Table table)
        {
            _text.BeginList();
            foreach (var row in table.OfType<TableRow>())
            {
                var first = true;
                foreach (var cell in row.OfType<TableCell>())
                {
                    if (!first)
                    {
                        _text.Append(" | ");
                    }

                    first = false;
                    foreach (var leaf in cell.OfType<LeafBlock>())
                    {
                        _text.AppendSpace();
                        WriteInlines(leaf.Inline, _text);
                    }
                }

                _text.EndLine();
            }

            _text.EndList();
        }

        private void WriteInline(Inline inline, PlainTextBuilder text)
        {
            switch (inline)
            {
                case HtmlInline html:
                    WriteHtmlTag(html.Tag, text);
                    return;
                case not null when _droppedInlineElement is not null:
                    return;
                case LiteralInline literal:
                    text.Append(literal.Content.AsSpan());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.AsSpan());
                    break;
                case LineBreakInline lineBreak:
                    if (lineBreak.IsHard)
                    {
                        text.EndLine();
                    }
                    else
                    {
                        text.AppendSpace();
                    }

                    break;
                case TaskList task:
                    text.Append(task.Checked ? "[x] " : "[ ] ");
                    break;
                case FootnoteLink:
                    break;
                case LinkInline { IsImage: true } image:
                    // The children of an image are its alt text.
                    WriteInlines(image, text);
                    break;
                case ContainerInline container:
                    WriteInlines(container, text);
                    break;
            }
        }

        private void WriteHtmlTag(string tag, PlainTextBuilder text)
        {
            var name = HtmlToText.TagName(tag, out var closing);
            if (_droppedInlineElement is not null)
            {
                if (closing && string.Equals(name, _droppedInlineElement, StringComparison.OrdinalIgnoreCase))
                {
                    _droppedInlineElement = null;
                }

                return;
            }

            if (!closing && HtmlToText.IsDropped(name))
            {
                _droppedInlineElement = name;
            }
            else if (string.Equals(name, "br", StringComparison.OrdinalIgnoreCase))
            {
                text.EndLine();
            }
        }

        private static string LinesOf(LeafBlock block)
        {
            var lines = block.Lines;
            return lines.Count == 0 ? string.Empty : lines.ToString();
        }
    }
}
