using System.Text.Json;

namespace MemorySync.Emulator.Memories;

/// <summary>A memory as stored: replaced whole on every change (labels, deletion), never edited in place.</summary>
internal sealed record StoredMemory
{
    private TermVector? _terms;

    public required long Id { get; init; }

    public required string EndUserId { get; init; }

    public required string Text { get; init; }

    public string? Source { get; init; }

    public string? EventType { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public double Importance { get; init; } = 0.5;

    /// <summary>Always a JSON object (<c>{}</c> when none was sent).</summary>
    public JsonElement Metadata { get; init; } = JsonObjects.Empty;

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>The hash of the sanitized input the memory came from (shared by memories extracted from one input).</summary>
    public required UInt128 InputHash { get; init; }

    /// <summary>The words of the text, computed on the first query that needs them.</summary>
    public TermVector Terms => _terms ??= TermVector.From(Text);

    public bool IsLive(DateTimeOffset now) => DeletedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

internal static class JsonObjects
{
    public static JsonElement Empty { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}
