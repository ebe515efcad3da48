using System.Text.RegularExpressions;

namespace MemorySync.Emulator.Memories;

/// <summary>The service's ingestion gates that do not depend on stored state: filler detection and extraction.</summary>
internal static partial class TextRules
{
    public const int MaxExtractedMemories = 3;

    // Pleasantries and filler words. A text made only of these (or of no letters or digits at all) is "low value".
    // The real gate is a model; this rule is deliberately conservative so that real content is never dropped.
    private static readonly HashSet<string> s_filler = new(StringComparer.Ordinal)
    {
        "ok", "okay", "kk", "k", "yes", "yeah", "yep", "yup", "no", "nope", "nah", "sure", "right", "fine", "good",
        "cool", "nice", "great", "awesome", "perfect", "exactly", "really", "totally", "indeed", "alright", "done",
        "wow", "oops", "hi", "hello", "hey", "yo", "bye", "goodbye", "thanks", "thank", "thx", "ty", "you", "please",
        "welcome", "morning", "evening", "night", "um", "uh", "umm", "uhh", "hmm", "hm", "huh", "oh", "ah", "er",
        "haha", "hehe", "lol", "and", "or", "but", "so", "then", "also", "well", "the", "a", "an", "it", "this",
        "that", "me", "my", "much", "lot", "very", "again", "there", "all",
    };

    /// <summary>True for filler: no letter or digit at all, or nothing but pleasantries ("Thanks, thank you!").</summary>
    public static bool IsLowValue(string text)
    {
        // No words at all (only punctuation or symbols) is filler too.
        foreach (var word in Words(text))
        {
            if (!s_filler.Contains(word))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lower-cased runs of letters and digits.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    /// <summary>
    /// Extraction stand-in: the paragraphs of a text (split on blank lines) in up to three contiguous groups, so that
    /// no text is lost; one group (no extraction) when there is a single paragraph or a group would be too short.
    /// </summary>
    public static IReadOnlyList<string> Extract(string text)
    {
        var paragraphs = BlankLines().Split(text).Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        if (paragraphs.Count < 2)
        {
            return [text];
        }

        var groups = Math.Min(MaxExtractedMemories, paragraphs.Count);
        var result = new List<string>(groups);
        var taken = 0;
        for (var group = 0; group < groups; group++)
        {
            var size = (paragraphs.Count - taken) / (groups - group);
            result.Add(string.Join("\n\n", paragraphs.Skip(taken).Take(size)));
            taken += size;
        }

        return result.All(part => part.Length >= MemoryInputReader.MinTextLength) ? result : [text];
    }

    [GeneratedRegex(@"\r?\n\s*\r?\n")]
    private static partial Regex BlankLines();
}
