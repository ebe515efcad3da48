using System.Text.Json;
using System.Text.Json.Serialization;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Memories;

namespace MemorySync.Emulator.Api;

/// <summary>The service's <c>MemoryResponse</c> (with <c>score</c> in query results).</summary>
internal sealed record MemoryResponse(
    string UserId,
    string Text,
    string? Summary,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    JsonElement Metadata,
    IReadOnlyList<string> Tags,
    string? Source,
    string? EventType,
    string Tier,
    double Importance,
    bool IsSummary,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> KeyPoints,
    double? QualityScore,
    string? MemoryType)
{
    /// <summary><c>id</c>: an integer or an <c>m_&lt;n&gt;</c> string, by the id style; absent in the <c>memory_id</c> style.</summary>
    [JsonPropertyOrder(-2)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? Id { get; init; }

    [JsonPropertyOrder(-1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? MemoryId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Score { get; init; }

    public static MemoryResponse From(StoredMemory memory, IdStyle style) => new(
        memory.EndUserId,
        memory.Text,
        Summary: null,
        memory.CreatedAt,
        memory.UpdatedAt,
        memory.Metadata,
        memory.Tags,
        memory.Source,
        memory.EventType,
        Tier: "hot",
        memory.Importance,
        IsSummary: false,
        memory.ExpiresAt,
        KeyPoints: [],
        QualityScore: null,
        MemoryType: memory.EventType)
    {
        Id = style == IdStyle.MemoryId ? null : MemoryIds.Write(memory.Id, style),
        MemoryId = style == IdStyle.MemoryId ? memory.Id : null,
    };
}

internal static class MemoryIds
{
    public static object Write(long id, IdStyle style) => style == IdStyle.Prefixed ? $"m_{id}" : id;

    public static IReadOnlyList<object> Write(IEnumerable<long> ids, IdStyle style) => [.. ids.Select(id => Write(id, style))];
}

internal sealed record HealthResponse(string Status, string Db, string VectorDb, string Cache);

internal sealed record SkippedResponse(
    string Status,
    string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Event);

internal sealed record StatusResponse(string Status);

internal sealed record BulkAddResponse(int Total, int Created, int Skipped, int Rejected, IReadOnlyList<BulkItemResponse> Results);

internal sealed record BulkItemResponse(int Index, string Status, IReadOnlyList<object> MemoryIds, string? Reason);

internal sealed record QueryResponse(IReadOnlyList<MemoryResponse> Memories, double LatencyMs);

internal sealed record EmptyMemoriesResponse(IReadOnlyList<MemoryResponse> Memories);

internal sealed record ForgetResponse(IReadOnlyList<object> DeletedIds, int Deleted);

internal sealed record ExportResponse(string UserId, IReadOnlyList<MemoryResponse> Memories, DateTimeOffset GeneratedAt);

internal sealed record WebhookResponse(
    string Id,
    string Name,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string? ProjectId,
    bool Active,
    DateTimeOffset CreatedAt,
    WebhookSignatureResponse SignatureConfig,
    string? AuthHeaderName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret);

internal sealed record WebhookSignatureResponse(string Header, string Algorithm, string Encoding, string Prefix);

internal sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Webhooks);

internal sealed record DeletedResponse(string Id, bool Deleted);
