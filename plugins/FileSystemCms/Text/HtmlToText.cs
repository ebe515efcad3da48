using System.Globalization;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace ConnectorHost.Plugins.FileSystemCms.Text;

/// <summary>
/// Converts HTML to plain text with AngleSharp: page chrome and code (script, style, nav, header, footer, aside,
/// noscript, template) is dropped, block elements are separated by line breaks, lists and tables read like their
/// Markdown counterparts and <c>&lt;pre&gt;</c> is kept verbatim.
/// </summary>
/// <remarks>Not thread-safe (it keeps one parser); create one per connector run.</remarks>
internal sealed class HtmlToText
{
    private static readonly HashSet<string> s_dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "nav", "header", "footer", "aside", "noscript", "template",
        // Never prose: embedded documents, drawings and the document head.
        "head", "iframe", "object", "svg", "canvas",
    };

    // Blocks separated from their neighbours by a blank line.
    private static readonly HashSet<string> s_paragraphs = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "address", "details", "fieldset", "form", "hr",
    };

    // Blocks on their own lines, without a blank line around them.
    private static readonly HashSet<string> s_lines = new(StringComparer.OrdinalIgnoreCase)
    {
        "div", "section", "article", "main", "body", "html", "figcaption", "summary", "dl", "dt", "dd", "caption",
        "legend", "center", "li", "tr", "thead", "tbody", "tfoot", "option",
    };

    private readonly HtmlParser _parser = new();

    /// <summary>Converts a whole HTML page.</summary>
    /// <param name="html">The page.</param>
    /// <returns>
    /// The text of the body, the page's title (<c>&lt;title&gt;</c>, else the first <c>&lt;h1&gt;</c>) and the entries of
    /// <c>&lt;meta name="keywords"&gt;</c>.
    /// </returns>
    public (string Text, string? Title, IReadOnlyList<string> Keywords) Convert(string html)
    {
        using var document = _parser.ParseDocument(html);
        var text = new PlainTextBuilder();
        var root = (INode?)document.Body ?? document.DocumentElement;
        if (root is not null)
        {
            new Writer(text).WriteChildren(root);
        }

        var title = Collapse(document.Title);
        if (string.IsNullOrEmpty(title))
        {
            title = Collapse(document.QuerySelector("h1")?.TextContent);
        }

        return (text.ToString(), string.IsNullOrEmpty(title) ? null : title, Keywords(document));
    }

    /// <summary>Writes the text of an HTML fragment (an HTML block inside Markdown).</summary>
    /// <param name="html">The fragment.</param>
    /// <param name="text">Where to write.</param>
    public void WriteFragment(string html, PlainTextBuilder text)
    {
        using var document = _parser.ParseDocument(html);
        if (document.Body is { } body)
        {
            new Writer(text).WriteChildren(body);
        }
    }

    /// <summary>Whether an element's content is never text for a reader (script, style, navigation...).</summary>
    /// <param name="name">The element name.</param>
    /// <returns><see langword="true"/> when the element is dropped with its content.</returns>
    public static bool IsDropped(string name) => s_dropped.Contains(name);

    /// <summary>The element name of a tag such as <c>&lt;br/&gt;</c> or <c>&lt;/script&gt;</c>.</summary>
    /// <param name="tag">The tag, with its angle brackets.</param>
    /// <param name="closing">Whether it is a closing tag.</param>
    /// <returns>The name, or an empty string for comments and declarations.</returns>
    public static string TagName(string tag, out bool closing)
    {
        var span = tag.AsSpan().TrimStart('<');
        closing = span.StartsWith("/");
        span = span.TrimStart('/');
        var end = 0;
        while (end < span.Length && (char.IsAsciiLetterOrDigit(span[end]) || span[end] == '-'))
        {
            end++;
        }

        return span[..end].ToString();
    }

    private static string? Collapse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var builder = new PlainTextBuilder();
        builder.Append(text);
        return builder.ToString();
    }

    private static List<string> Keywords(IDocument document)
    {
        var keywords = new List<string>();
        foreach (var meta in document.QuerySelectorAll("meta"))
        {
            if (string.Equals(meta.GetAttribute("name"), "keywords", StringComparison.OrdinalIgnoreCase)
                && meta.GetAttribute("content") is { } content)
            {
                keywords.AddRange(content.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return keywords;
    }

    private sealed class Writer
    {
        private readonly PlainTextBuilder _text;

        // Inside a table cell, blocks read as words of the cell, so that a row stays on one line.
        private int _cellDepth;

        public Writer(PlainTextBuilder text)
        {
            _text = text;
        }

        public void WriteChildren(INode node)
        {
            foreach (var child in node.ChildNodes)
            {
                switch (child)
                {
                    case IText text:
                        _text.Append(text.Data);
                        break;
                    case IElement element:
                        WriteElement(element);
                        break;
                }
            }
        }

        private void WriteElement(IElement element)
        {
            var name = element.LocalName;
            if (IsDropped(name))
            {
                return;
            }

            switch (name)
            {
                case "br":
                    _text.EndLine();
                    return;
                case "img":
                    _text.Append(element.GetAttribute("alt"));
                    return;
                case "pre" when _cellDepth == 0:
                    WritePreformatted(element);
                    return;
                case "ul" or "ol" when _cellDepth == 0:
                    WriteList(element, ordered: name == "ol");
                    return;
                case "table" when _cellDepth == 0:
                    WriteTable(element);
                    return;
                case "td" or "th":
                    _cellDepth++;
                    WriteChildren(element);
                    _cellDepth--;
                    return;
            }

            if (_cellDepth > 0)
            {
                _text.AppendSpace();
                WriteChildren(element);
                _text.AppendSpace();
            }
            else if (s_paragraphs.Contains(name))
            {
                _text.EndBlock();
                WriteChildren(element);
                _text.EndBlock();
            }
            else if (s_lines.Contains(name))
            {
                _text.EndLine();
                WriteChildren(element);
                _text.EndLine();
            }
            else
            {
                WriteChildren(element);
            }
        }

        private void WritePreformatted(IElement element)
        {
            _text.EndBlock();
            var lines = element.TextContent.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            var count = lines.Length;
            while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1]))
            {
                count--;
            }

            for (var i = 0; i < count; i++)
            {
                _text.AppendVerbatimLine(lines[i]);
            }

            _text.EndBlock();
        }

        private void WriteList(IElement list, bool ordered)
        {
            _text.BeginList();
            var number = ordered && int.TryParse(list.GetAttribute("start"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var start)
                ? start
                : 1;
            foreach (var child in list.ChildNodes)
            {
                if (child is IHtmlListItemElement item)
                {
                    _text.BeginItem(ordered ? string.Create(CultureInfo.InvariantCulture, $"{number++}. ") : "- ");
                    WriteChildren(item);
                    _text.EndItem();
                }
                else if (child is IElement other)
                {
                    WriteElement(other);
                }
                else if (child is IText text)
                {
                    _text.Append(text.Data);
                }
            }

            _text.EndList();
        }

        private void WriteTable(IElement table)
        {
            _text.BeginList();
            if (table.Children.FirstOrDefault(child => child.LocalName == "caption") is { } caption)
            {
                WriteChildren(caption);
                _text.EndLine();
            }

            foreach (var row in table.QuerySelectorAll("tr"))
            {
                // Rows of nested tables are reached through their own table.
                if (row.Closest("table") != table)
                {
                    continue;
                }

                var first = true;
                foreach (var cell in row.Children)
                {
                    if (cell.LocalName is not ("td" or "th"))
                    {
                        continue;
                    }

                    if (!first)
                    {
                        _text.Append(" | ");
                    }

                    first = false;
                    WriteElement(cell);
                }

                _text.EndLine();
            }

            _text.EndList();
        }
    }
}
