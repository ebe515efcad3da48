using System.Text;

namespace ConnectorHost.Plugins.FileSystemCms.Text;

/// <summary>
/// Writes plain text line by line for the Markdown and HTML converters: inline text has its whitespace collapsed,
/// verbatim lines (code) are kept exactly, paragraph-level blocks are separated by one blank line, and list items are
/// indented under their marker. Normalising while writing, rather than afterwards, is what keeps code blocks intact.
/// </summary>
internal sealed class PlainTextBuilder
{
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _line = new();
    private readonly Stack<string> _indents = new();
    private string _indent = string.Empty;
    private string? _pendingMarker;
    private string _markerIndent = string.Empty;
    private bool _pendingSpace;
    private bool _blankLinePending;
    private int _listDepth;

    /// <summary>Appends inline text; runs of whitespace (line breaks included) become one space.</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                _pendingSpace = _line.Length > 0;
                continue;
            }

            if (_pendingSpace)
            {
                _line.Append(' ');
                _pendingSpace = false;
            }

            _line.Append(c);
        }
    }

    /// <summary>Appends inline text as a separate word: a space before it unless the line is empty.</summary>
    public void AppendWord(ReadOnlySpan<char> text)
    {
        _pendingSpace = _line.Length > 0;
        Append(text);
    }

    /// <summary>Requests a space before the next inline text (collapsed with any other whitespace).</summary>
    public void AppendSpace() => _pendingSpace = _line.Length > 0;

    /// <summary>Ends the current line, if anything was written on it (a hard line break).</summary>
    public void EndLine()
    {
        _pendingSpace = false;
        if (_line.Length == 0)
        {
            return;
        }

        WriteLine(_line.ToString());
        _line.Clear();
    }

    /// <summary>
    /// Ends a paragraph-level block: the next text starts after a blank line. Inside a list, blocks are only separated
    /// by a line break, so that items stay together.
    /// </summary>
    public void EndBlock()
    {
        EndLine();
        if (_listDepth == 0 && _output.Length > 0)
        {
            _blankLinePending = true;
        }
    }

    /// <summary>Writes one line exactly as given (code), after ending the current line.</summary>
    public void AppendVerbatimLine(string line)
    {
        EndLine();
        WriteLine(line);
    }

    /// <summary>Starts a list: its items are separated by line breaks and the list ends with a block break.</summary>
    public void BeginList()
    {
        EndLine();
        _listDepth++;
    }

    /// <summary>Ends a list started with <see cref="BeginList"/>.</summary>
    public void EndList()
    {
        _listDepth--;
        EndBlock();
    }

    /// <summary>
    /// Starts a list item: its first line begins with <paramref name="marker"/> (e.g. <c>"- "</c> or <c>"2. "</c>) and
    /// its further lines are indented by the marker's width.
    /// </summary>
    public void BeginItem(string marker)
    {
        EndLine();
        _indents.Push(_indent);
        _markerIndent = _indent;
        _pendingMarker = marker;
        _indent += new string(' ', marker.Length);
    }

    /// <summary>Ends a list item started with <see cref="BeginItem"/>.</summary>
    public void EndItem()
    {
        EndLine();
        if (_pendingMarker is not null)
        {
            // An item without any text still shows its marker, so that numbering stays readable.
            WriteLine(string.Empty);
        }

        _indent = _indents.Pop();
    }

    /// <summary>The text written so far, without leading or trailing blank lines.</summary>
    public override string ToString()
    {
        EndLine();
        return _output.ToString();
    }

    private void WriteLine(string content)
    {
        if (_output.Length > 0)
        {
            _output.Append('\n');
            if (_blankLinePending)
            {
                _output.Append('\n');
            }
        }

        _blankLinePending = false;
        if (_pendingMarker is not null)
        {
            _output.Append(_markerIndent).Append(content.Length == 0 ? _pendingMarker.TrimEnd() : _pendingMarker);
            _pendingMarker = null;
        }
        else if (content.Length > 0)
        {
            _output.Append(_indent);
        }

        _output.Append(content);
    }
}
