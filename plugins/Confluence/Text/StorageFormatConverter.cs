using System.Globalization;
using System.Text;

namespace ConnectorHost.Plugins.Confluence.Text;

/// <summary>
/// Turns Confluence storage format (XHTML with <c>ac:</c>/<c>ri:</c> elements) into readable plain text: headings as
/// <c>#</c> lines, lists with markers, tables as <c>a | b</c> rows, code bodies fenced and verbatim, task lists as
/// <c>[ ]</c>/<c>[x]</c>, mentions as <c>@Display Name</c>, links as their text. Macros keep their body; macros whose
/// content is computed when the page is viewed (children, pagetree, jira, recently-updated, ...) have no body in
/// storage format and vanish quietly.
/// </summary>
internal static class StorageFormatConverter
{
    private static readonly HashSet<string> s_blocks = new(StringComparer.Ordinal)
    {
        "p", "div", "section", "article", "header", "footer", "blockquote", "center", "figure", "figcaption",
        "ac:layout", "ac:layout-section", "ac:layout-cell", "dl", "dt", "dd",
    };

    /// <summary>Converts storage format to text.</summary>
    /// <param name="storage">The storage-format value (<c>body.storage.value</c>).</param>
    /// <param name="userNames">Display names by account id (or user key), for mentions; unknown ids stay ids.</param>
    public static string ToText(string storage, IReadOnlyDictionary<string, string>? userNames = null) =>
        ToText(StorageTree.Parse(storage), userNames);

    /// <summary>Converts a parsed storage-format document to text.</summary>
    public static string ToText(StorageElement document, IReadOnlyDictionary<string, string>? userNames = null)
    {
        var writer = new PlainTextWriter();
        new Renderer(writer, userNames ?? new Dictionary<string, string>()).Children(document);
        return writer.ToString();
    }

    /// <summary>The account ids (or user keys) of the users a document mentions.</summary>
    public static IEnumerable<string> MentionedUsers(StorageElement document) =>
        document.Descendants()
            .Where(e => e.Name == "ri:user")
            .Select(UserId)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);

    private static string? UserId(StorageElement user) =>
        user.Attribute("ri:account-id") ?? user.Attribute("ri:userkey") ?? user.Attribute("ri:username");

    private sealed class Renderer(PlainTextWriter writer, IReadOnlyDictionary<string, string> userNames)
    {
        public void Children(StorageElement element)
        {
            foreach (var child in element.Children)
            {
                Node(child);
            }
        }

        private void Node(StorageNode node)
        {
            if (node is StorageText text)
            {
                writer.Inline(text.Text);
            }
            else if (node is StorageElement element)
            {
                Element(element);
            }
        }

        private void Element(StorageElement element)
        {
            var name = element.Name;
            switch (name)
            {
                case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                    writer.Block(2);
                    writer.Inline(new string('#', name[1] - '0') + " ");
                    Children(element);
                    writer.Block(2);
                    break;
                case "br":
                    writer.LineBreak();
                    break;
                case "hr":
                    writer.Block(2);
                    break;
                case "ul" or "ol":
                    List(element, ordered: name == "ol");
                    break;
                case "li":
                    // An item outside a list: render it like one.
                    ListItem(element, "- ");
                    break;
                case "table":
                    Table(element);
                    break;
                case "pre":
                    Code(element.InnerText());
                    break;
                case "time":
                    writer.Inline(element.Attribute("datetime") ?? element.InnerText());
                    break;
                case "a":
                    Children(element);
                    break;
                case "img" or "script" or "style" or "ac:emoticon" or "ac:image" or "ac:placeholder" or "ac:parameter"
                    or "ac:task-id" or "ac:task-status" or "ac:task-uuid" or "ac:adf-attribute":
                    break;
                case "ac:structured-macro" or "ac:macro":
                    Macro(element);
                    break;
                case "ac:task-list":
                    writer.Block(2);
                    foreach (var task in element.Elements("ac:task"))
                    {
                        var done = string.Equals(task.Element("ac:task-status")?.InnerText().Trim(), "complete", StringComparison.Ordinal);
                        ListItem(task.Element("ac:task-body") ?? task, done ? "[x] " : "[ ] ");
                    }

                    writer.Block(2);
                    break;
                case "ac:link":
                    Link(element);
                    break;
                case "ri:user":
                    Mention(element);
                    break;
                case "ri:page" or "ri:blog-post":
                    writer.Inline(element.Attribute("ri:content-title") ?? "");
                    break;
                case "ri:attachment":
                    writer.Inline(element.Attribute("ri:filename") ?? "");
                    break;
                case "ri:url":
                    writer.Inline(element.Attribute("ri:value") ?? "");
                    break;
                case "ri:space":
                    writer.Inline(element.Attribute("ri:space-key") ?? "");
                    break;
                case "ac:adf-extension":
                    // Newer editor content stores a fallback rendering next to the node; the fallback is the text.
                    if (element.Element("ac:adf-fallback") is { } fallback)
                    {
                        Children(fallback);
                    }
                    else
                    {
                        Children(element);
                    }

                    break;
                default:
                    if (s_blocks.Contains(name))
                    {
                        writer.Block(2);
                        Children(element);
                        writer.Block(2);
                    }
                    else
                    {
                        Children(element);
                    }

                    break;
            }
        }

        private void Macro(StorageElement macro)
        {
            var name = macro.Attribute("ac:name") ?? "";
            if (name == "status")
            {
                writer.Inline("[" + Parameter(macro, "title") + "]");
                return;
            }

            if (macro.Element("ac:plain-text-body") is { } plain)
            {
                Code(plain.InnerText());
                return;
            }

            if (macro.Element("ac:rich-text-body") is { } rich)
            {
                writer.Block(2);
                var title = Parameter(macro, "title");
                if (!string.IsNullOrWhiteSpace(title))
                {
                    writer.Inline(title);
                    writer.Block(1);
                }

                Children(rich);
                writer.Block(2);
            }

            // Anything else (children, pagetree, jira, recently-updated, toc, include...) is rendered when the page
            // is viewed and has no content in storage format: nothing to say.
        }

        private static string Parameter(StorageElement macro, string parameterName) =>
            macro.Elements("ac:parameter")
                .FirstOrDefault(p => p.Attribute("ac:name") == parameterName)?.InnerText().Trim() ?? "";

        private void Code(string body)
        {
            writer.Block(2);
            writer.Raw("```\n" + body.Trim('\r', '\n') + "\n```");
            writer.Block(2);
        }

        private void Link(StorageElement link)
        {
            if (link.Element("ac:plain-text-link-body") is { } plain)
            {
                writer.Inline(plain.InnerText());
            }
            else if (link.Element("ac:link-body") is { } body)
            {
                Children(body);
            }
            else
            {
                foreach (var target in link.Children.OfType<StorageElement>().Where(e => e.Name.StartsWith("ri:", StringComparison.Ordinal)))
                {
                    Element(target);
                }
            }
        }

        private void Mention(StorageElement user)
        {
            var id = UserId(user);
            if (id is null)
            {
                return;
            }

            writer.Inline("@" + (userNames.TryGetValue(id, out var displayName) ? displayName : id));
        }

        private void List(StorageElement list, bool ordered)
        {
            writer.Block(2);
            var number = int.TryParse(list.Attribute("start"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var start) ? start : 1;
            foreach (var child in list.Children.OfType<StorageElement>())
            {
                if (child.Name == "li")
                {
                    ListItem(child, ordered ? $"{number++.ToString(CultureInfo.InvariantCulture)}. " : "- ");
                }
                else
                {
                    Element(child);
                }
            }

            writer.Block(2);
        }

        private void ListItem(StorageElement item, string marker)
        {
            writer.Block(1);
            writer.Inline(marker);
            writer.Indent();
            writer.SuppressBreaksUntilText();
            Children(item);
            writer.Outdent();
            writer.Block(1);
        }

        private void Table(StorageElement table)
        {
            writer.Block(2);
            foreach (var row in table.Descendants().Where(e => e.Name == "tr"))
            {
                var cells = row.Children.OfType<StorageElement>()
                    .Where(c => c.Name is "td" or "th")
                    .Select(cell =>
                    {
                        var cellWriter = new PlainTextWriter();
                        new Renderer(cellWriter, userNames).Children(cell);
                        return cellWriter.ToString().ReplaceLineEndings(" ").Trim();
                    })
                    .ToList();
                if (cells.Any(c => c.Length > 0))
                {
                    writer.Raw(string.Join(" | ", cells));
                    writer.Block(1);
                }
            }

            writer.Block(2);
        }
    }

    /// <summary>Collects text with HTML whitespace rules, block breaks that never pile up, and list indentation.</summary>
    private sealed class PlainTextWriter
    {
        private readonly StringBuilder _text = new();
        private int _pendingBreaks;
        private int _indent;
        private bool _suppressBreaks;
        private bool _lineHasText;

        public void Inline(string text)
        {
            var collapsed = CollapseWhitespace(text);
            if (collapsed.Length == 0)
            {
                return;
            }

            if (!_lineHasText)
            {
                collapsed = collapsed.TrimStart();
                if (collapsed.Length == 0)
                {
                    return;
                }
            }

            Flush();
            if (collapsed[0] == ' ' && _text.Length > 0 && _text[^1] == ' ')
            {
                collapsed = collapsed[1..];
            }

            _text.Append(collapsed);
            _lineHasText = true;
            _suppressBreaks = false;
        }

        public void Raw(string text)
        {
            Flush();
            var lines = text.ReplaceLineEndings("\n").Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (i > 0)
                {
                    _text.Append('\n').Append(' ', _indent * 2);
                }

                _text.Append(lines[i]);
            }

            _lineHasText = true;
            _suppressBreaks = false;
        }

        /// <summary>Ends the current block: at least <paramref name="newlines"/> line ends before the next text.</summary>
        public void Block(int newlines)
        {
            if (_suppressBreaks || _text.Length == 0)
            {
                return;
            }

            _pendingBreaks = Math.Max(_pendingBreaks, _indent > 0 ? 1 : newlines);
        }

        public void LineBreak()
        {
            if (_text.Length > 0 && !_suppressBreaks)
            {
                _pendingBreaks = Math.Max(_pendingBreaks, 1);
                _lineHasText = false;
            }
        }

        public void Indent() => _indent++;

        public void Outdent() => _indent--;

        public void SuppressBreaksUntilText() => _suppressBreaks = true;

        public override string ToString() => _text.ToString().TrimEnd();

        private void Flush()
        {
            if (_pendingBreaks == 0)
            {
                return;
            }

            TrimTrailingSpaces();
            _text.Append('\n', _pendingBreaks).Append(' ', _indent * 2);
            _pendingBreaks = 0;
            _lineHasText = false;
        }

        private void TrimTrailingSpaces()
        {
            var end = _text.Length;
            while (end > 0 && _text[end - 1] == ' ')
            {
                end--;
            }

            _text.Length = end;
        }

        private static string CollapseWhitespace(string text)
        {
            var builder = new StringBuilder(text.Length);
            var lastWasSpace = false;
            foreach (var c in text)
            {
                // Non-breaking spaces become plain spaces: they only ever mattered for layout.
                if (char.IsWhiteSpace(c))
                {
                    if (!lastWasSpace)
                    {
                        builder.Append(' ');
                    }

                    lastWasSpace = true;
                }
                else
                {
                    builder.Append(c);
                    lastWasSpace = false;
                }
            }

            return builder.ToString();
        }
    }
}
