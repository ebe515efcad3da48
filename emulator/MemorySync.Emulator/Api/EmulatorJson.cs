using System.Text.Json;
using System.Text.Json.Serialization;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Api;

/// <summary>Source-generated serialization of every body the emulator writes or the admin client reads (snake_case).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MemoryResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(SkippedResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(BulkAddResponse))]
[JsonSerializable(typeof(QueryResponse))]
[JsonSerializable(typeof(EmptyMemoriesResponse))]
[JsonSerializable(typeof(ForgetResponse))]
[JsonSerializable(typeof(ExportResponse))]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(WebhookListResponse))]
[JsonSerializable(typeof(DeletedResponse))]
[JsonSerializable(typeof(EmulatorMemory))]
[JsonSerializable(typeof(IReadOnlyList<EmulatorMemory>))]
[JsonSerializable(typeof(EmulatorCounters))]
[JsonSerializable(typeof(EmulatorSettings))]
[JsonSerializable(typeof(EmulatorSettingsUpdate))]
[JsonSerializable(typeof(FaultRule))]
[JsonSerializable(typeof(IReadOnlyList<FaultRule>))]
[JsonSerializable(typeof(FaultState))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyList<WebhookDelivery>))]
[JsonSerializable(typeof(IReadOnlyList<EmulatorRequest>))]
[JsonSerializable(typeof(RateLimits))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
internal sealed partial class EmulatorJson : JsonSerializerContext;
